//! The multi-power law's published training curves (Luo et al. 2025,
//! `../shared/data/multipower2025`): 25M, 100M and 400M models under nine schedules, with the
//! authors' split into the schedules they fitted and those they predicted.

use scaling_laws::curve::schedule::Schedule;
use scaling_laws::curve::{CurveRun, Prepared};

/// The schedules the authors fitted.
pub const TRAIN: [&str; 3] = ["cosine_24000", "constant_24000", "wsdcon_9"];

/// The schedules they predicted.
pub const TEST: [&str; 6] = [
    "constant_72000",
    "cosine_72000",
    "wsd_20000_24000",
    "wsdld_20000_24000",
    "wsdcon_3",
    "wsdcon_18",
];

/// The model sizes, as the folders name them (millions of parameters).
pub const SIZES: [&str; 3] = ["25", "100", "400"];

/// The schedule of a curve, from its file name (as the data's README writes them out).
pub fn schedule_of(name: &str) -> String {
    let head = "warmup=2160,peak=3e-4";
    let parts: Vec<&str> = name.split('_').collect();
    match parts[0] {
        "cosine" => format!("cosine:{head},final=3e-5,steps={}", parts[1]),
        "constant" => format!("constant:{head},steps={}", parts[1]),
        "wsd" => format!("wsd:{head},final=3e-5,decay=20000,steps=24000,cooldown=exp"),
        "wsdld" => format!("wsd:{head},final=3e-5,decay=20000,steps=24000,cooldown=linear"),
        _ => format!(
            "two-stage:{head},second={}e-5,switch=8000,steps=16000",
            parts[1]
        ),
    }
}

/// The curves `names` of the model of `size`, the loss-drop sums grouped with tolerance `eps`.
///
/// # Panics
///
/// When `../shared/data` is absent: these benchmarks are defined on it.
pub fn load(size: &str, names: &[&str], eps: f64) -> Vec<Prepared> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/multipower2025");
    names
        .iter()
        .map(|name| {
            let path = dir.join(format!("csv_{size}/{name}.csv"));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e} (needs ../shared/data)", path.display()));
            let lrs = Schedule::parse(&schedule_of(name), "schedule")
                .expect("a valid schedule")
                .per_step();
            let (mut steps, mut loss) = (Vec::new(), Vec::new());
            for line in text.lines().skip(1) {
                let c: Vec<&str> = line.split(',').collect();
                let step: usize = c[0].parse().expect("a step");
                if step < lrs.len() {
                    steps.push(step);
                    loss.push(c[2].parse().expect("a loss"));
                }
            }
            Prepared::new(
                CurveRun::new(*name, lrs, steps, loss).expect("a valid curve"),
                eps,
            )
        })
        .collect()
}
