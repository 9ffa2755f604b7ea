//! Micro-benchmarks of fitting on the 240-run Chinchilla set.

use criterion::{Criterion, criterion_group, criterion_main};
use scaling_laws::fit::{
    self, FitConfig, Objective, ResidualLoss, SolverOptions, StartSelection, Starts,
};
use scaling_laws::law::{ChinchillaLaw, LawRef};
use scaling_laws::uncertainty::{BootstrapConfig, bootstrap};
use scaling_laws_bench::{chinchilla_240, simulated};

fn benches(c: &mut Criterion) {
    let data = chinchilla_240();
    let obs = data.observations();
    let objective = Objective::new(&obs, ResidualLoss::default());
    let theta = ChinchillaLaw::HOFFMANN_2022.theta();
    c.bench_function("objective_and_gradient_240_rows", |b| {
        b.iter(|| objective.value_and_gradient(std::hint::black_box(&theta)))
    });
    c.bench_function("lbfgs_from_hoffmann_start", |b| {
        b.iter(|| {
            fit::solver::run_lbfgs(
                &objective,
                &fit::ParamSpec::free(),
                &theta,
                &SolverOptions::default(),
            )
        })
    });
    let grid = fit::StartGrid::chinchilla().points(&fit::ParamSpec::free());
    c.bench_function("screen_4500_grid_starts", |b| {
        b.iter(|| fit::select_starts(&objective, &grid, StartSelection::Best(100)))
    });
    c.bench_function("default_fit", |b| {
        b.iter(|| fit::fit(&obs, &FitConfig::default(), &|| {}).unwrap())
    });
    c.bench_function("fit_from_hoffmann_start", |b| {
        let single = FitConfig {
            starts: Starts::Points(vec![ChinchillaLaw::HOFFMANN_2022.into()]),
            ..FitConfig::default()
        };
        b.iter(|| fit::fit(&obs, &single, &|| {}).unwrap())
    });
    // The bootstrap's screened pool comes from the fit's start grid: use the default fit.
    let fitted = fit::fit(&obs, &FitConfig::default(), &|| {})
        .unwrap()
        .fitted;
    let config = BootstrapConfig {
        n_resamples: 100,
        ..BootstrapConfig::default()
    };
    let mut group = c.benchmark_group("bootstrap");
    group.sample_size(10);
    group.bench_function("100_resamples", |b| {
        b.iter(|| bootstrap(&obs, &fitted, &config, &|| {}).unwrap())
    });
    group.finish();
}

/// Cost against the number of runs: one objective-and-gradient evaluation, and the default
/// fit (which searches on a 4096-run subsample above 8192 runs).
fn row_scaling(c: &mut Criterion) {
    let theta = ChinchillaLaw::HOFFMANN_2022.theta();
    let mut group = c.benchmark_group("rows");
    for rows in [1_000, 10_000, 100_000, 1_000_000] {
        let obs = simulated(rows);
        let objective = Objective::new(&obs, ResidualLoss::default());
        group.throughput(criterion::Throughput::Elements(rows as u64));
        group.bench_function(format!("objective_and_gradient_{rows}"), |b| {
            b.iter(|| objective.value_and_gradient(std::hint::black_box(&theta)))
        });
    }
    group.sample_size(10);
    let obs = simulated(100_000);
    group.throughput(criterion::Throughput::Elements(100_000));
    group.bench_function("default_fit_100000", |b| {
        b.iter(|| fit::fit(&obs, &FitConfig::default(), &|| {}).unwrap())
    });
    group.finish();
}

/// One row's value and gradient: Chinchilla's vectorised row loop against the generic row loop
/// that any family takes (Chinchilla through the `Family` trait), per row of the 240-run set.
/// The generic path must stay within 3 times the fast one (issue 12).
fn row_evaluation(c: &mut Criterion) {
    let obs = chinchilla_240().observations();
    let theta = ChinchillaLaw::HOFFMANN_2022.theta();
    let law = LawRef::chinchilla();
    let fast = Objective::for_law(&obs, law, ResidualLoss::default());
    let generic = Objective::generic(&obs, law, ResidualLoss::default());
    let mut group = c.benchmark_group("row_evaluation");
    group.throughput(criterion::Throughput::Elements(obs.len() as u64));
    group.bench_function("fast_chinchilla", |b| {
        b.iter(|| fast.value_and_gradient(std::hint::black_box(&theta)))
    });
    group.bench_function("generic_family_trait", |b| {
        b.iter(|| generic.value_and_gradient(std::hint::black_box(&theta)))
    });
    group.finish();
}

criterion_group!(fitting, benches, row_scaling);
criterion_group!(rows, row_evaluation);
criterion_main!(fitting, rows);
