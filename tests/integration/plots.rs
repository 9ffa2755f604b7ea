//! Issue 4: figures from the shipped example data and from the published Chinchilla data.

use std::path::Path;

use crate::common::{run, shared_data, stderr, stdout, temp_dir};

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

fn check_folder(dir: &Path, with_bootstrap: bool) {
    // Each figure at its own size in inches, 300 pixels to the inch.
    let stems = [
        ("isoloss_contours", (1200, 900)),
        ("isoflop_slices", (1500, 900)),
        ("optimal_vs_compute", (1950, 1080)),
        ("residuals", (1950, 1500)),
        ("bootstrap_distributions", (2025, 1050)),
    ];
    for (stem, size) in stems {
        if stem == "bootstrap_distributions" && !with_bootstrap {
            continue;
        }
        assert_eq!(png_size(&dir.join(format!("{stem}.png"))), size, "{stem}");
        let pdf = std::fs::read(dir.join(format!("{stem}.pdf"))).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{stem}.pdf is not a PDF");
        let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") || svg.contains("<svg"),
            "{stem}.svg is not SVG"
        );
        assert!(svg.contains("<text"), "{stem}.svg has no text");
    }
    let svg = |stem: &str| std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
    assert!(svg("isoloss_contours").contains("Training compute C (FLOPs)"));
    assert!(svg("isoloss_contours").contains("Parameters N"));
    assert!(svg("isoflop_slices").contains("Final loss L (nats/token)"));
    assert!(svg("optimal_vs_compute").contains("Kaplan"));
    assert!(svg("residuals").contains("Tokens D"));
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn every_plot_kind_renders_from_the_shipped_example_data() {
    let dir = temp_dir();
    let out_dir = dir.path().join("figures");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");
    let out = run(&[
        "plot",
        "all",
        data,
        "--bootstrap",
        "40",
        "--out",
        out_dir.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 15);
    check_folder(&out_dir, true);
    // The prediction bands of a run's loss: one per budget, all inside the data.
    let slices = std::fs::read_to_string(out_dir.join("isoflop_slices.svg")).unwrap();
    assert!(slices.contains("95% prediction interval:"));
    assert_eq!(slices.matches("<polygon").count(), 9);
    let level = run(&[
        "plot",
        "isoflop",
        data,
        "--level",
        "1.5",
        "--out",
        dir.path().join("i.png").to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(level.status.code(), Some(2));
    assert!(stderr(&level).contains("--level"), "{}", stderr(&level));

    // One figure to one file, kind chosen by name, format by extension.
    let single = dir.path().join("contours.svg");
    let out = run(&[
        "plot",
        "contours",
        data,
        "--out",
        single.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(&single)
            .unwrap()
            .contains("Parameters N")
    );
    let out = run(&[
        "plot",
        "contours",
        data,
        "--out",
        dir.path().join("x.jpg").to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(".png, .svg or .pdf"),
        "{}",
        stderr(&out)
    );
    let out = run(&[
        "plot",
        "bootstrap",
        data,
        "--out",
        dir.path().join("b.png").to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("needs bootstrap draws"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn chinchilla_command_regenerates_the_figures_from_published_data() {
    let Some(path) = shared_data("chinchilla_epoch_svg_extracted.csv") else {
        return;
    };
    let dir = temp_dir();
    let out_dir = dir.path().join("chinchilla");
    let out = run(&[
        "chinchilla",
        "--data",
        path.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--bootstrap",
        "100",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    check_folder(&out_dir, true);
    let summary = std::fs::read_to_string(out_dir.join("summary.txt")).unwrap();
    assert!(summary.contains("240 used of 245 rows"), "{summary}");
    assert!(summary.contains("0.5139"), "{summary}");
    assert!(summary.contains("IsoFLOP profiles"), "{summary}");
    let fit = scaling_laws::saved::SavedFit::load(&out_dir.join("fit.json")).unwrap();
    assert_eq!(fit.bootstrap.unwrap().len(), 100);

    // A wrong local copy is refused.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "x\n").unwrap();
    let out = run(&[
        "chinchilla",
        "--data",
        bad.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not the expected chinchilla file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_figure_settings_name_their_flags_and_write_nothing() {
    let dir = temp_dir();
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");
    let target = dir.path().join("o.svg");
    for (flags, named) in [
        (["--models", "gpt-3,no-such-model"], "invalid --models"),
        (["--compute-range", "1e24:1e20"], "invalid --compute-range"),
        (["--compute-range", "0:1e20"], "invalid --compute-range"),
    ] {
        let mut args = vec!["plot", "optimal", data, "--starts", "10", "--quiet"];
        args.extend(flags);
        args.extend(["--out", target.to_str().unwrap()]);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(named), "{flags:?}: {}", stderr(&out));
        assert!(!target.exists(), "{flags:?} wrote {}", target.display());
    }
    // Known models and a valid range draw, and the models are labelled.
    let out = run(&[
        "plot",
        "optimal",
        data,
        "--starts",
        "10",
        "--models",
        "gpt-3,chinchilla",
        "--compute-range",
        "1e19:1e25",
        "--out",
        target.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Only the models named are labelled, by their display names (the default set also has
    // PaLM, Gopher, ...).
    let svg = std::fs::read_to_string(&target).unwrap();
    let label = |name: &str| svg.contains(&format!("\n{name}\n</text>"));
    assert!(
        label("GPT-3 175B") && label("Chinchilla 70B"),
        "named models not labelled"
    );
    assert!(
        !label("PaLM 540B") && !label("Gopher 280B"),
        "unnamed models labelled"
    );
}
