//! One row of the objective (value and gradient): Chinchilla's vectorised row loop against the
//! generic row loop that every other family takes, with Chinchilla through the `Family` trait.
//! Issue 12 asks the generic path to stay within 3 times the fast one per row.
//!
//! The rows are an in-memory simulated sweep of 240 runs (the size of the Chinchilla set), so
//! the benchmark needs no data beside the checkout.

use criterion::{Criterion, criterion_group, criterion_main};
use scaling_laws::fit::{Objective, ResidualLoss};
use scaling_laws::law::{ChinchillaLaw, LawRef};
use scaling_laws_bench::simulated;

fn row_evaluation(c: &mut Criterion) {
    let obs = simulated(240);
    let theta = ChinchillaLaw::HOFFMANN_2022.theta();
    let law = LawRef::chinchilla();
    let fast = Objective::for_law(&obs, law, ResidualLoss::default());
    let generic = Objective::generic(&obs, law, ResidualLoss::default());
    let mut group = c.benchmark_group("row_evaluation");
    // Time per row: criterion reports the throughput in rows per second.
    group.throughput(criterion::Throughput::Elements(obs.len() as u64));
    group.bench_function("fast_chinchilla", |b| {
        b.iter(|| fast.value_and_gradient(std::hint::black_box(&theta)))
    });
    group.bench_function("generic_family_trait", |b| {
        b.iter(|| generic.value_and_gradient(std::hint::black_box(&theta)))
    });
    group.finish();
}

criterion_group!(family, row_evaluation);
criterion_main!(family);
