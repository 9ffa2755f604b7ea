//! `chinchilla --out DIR` draws the paper's figures from the published points: read back from
//! the SVGs, Figure 3 (left) has the nine budgets, the published lines of Figure 1 stay where
//! the paper puts them whatever `--compute-range`, no text overlaps another text or a legend,
//! and every text is at least 8 pt when the figure is printed 3.25 inches wide.
//! Also: `plot isoflop` refuses where `isoflop` refuses, and `envelope --plot` draws Figure 2.

use std::path::Path;

use crate::common::{run, shared_data, stderr, temp_dir};

/// Smallest text at single-column width, points.
const MIN_PT: f64 = 8.0;
/// Single-column width, inches.
const COLUMN_IN: f64 = 3.25;
/// A published line's `log10 N - a·log10 C` may differ between two drawings by this much,
/// decades (the drawing rounds to whole units).
const LINE_TOLERANCE_DEX: f64 = 0.02;

const STEMS: [&str; 6] = [
    "fig1_projections",
    "fig3a_isoflop_curves",
    "fig3b_params",
    "fig3c_tokens",
    "fig4a_isoloss",
    "fig4b_isoflop_slices",
];

/// A text of an SVG as laid out by usvg with the embedded DejaVu Sans (the font the figures
/// are measured and rasterised with): its content and box in canvas units.
#[derive(Debug, Clone)]
struct TextBox {
    text: String,
    rect: (f64, f64, f64, f64),
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

/// The font size of every text element, in SVG user units.
fn font_sizes(svg: &str) -> Vec<(String, f64)> {
    svg.split("<text")
        .skip(1)
        .filter_map(|piece| {
            let close = piece.find('>')?;
            let size = attr(&piece[..close], "font-size")?.parse().ok()?;
            let end = piece.find("</text>")?;
            Some((piece[close + 1..end].trim().to_string(), size))
        })
        .collect()
}

fn tree(svg: &str) -> resvg::usvg::Tree {
    let mut db = resvg::usvg::fontdb::Database::new();
    db.load_font_data(dejavu::sans::regular().to_vec());
    db.load_font_data(dejavu::sans::bold().to_vec());
    db.set_sans_serif_family("DejaVu Sans");
    let options = resvg::usvg::Options {
        font_family: "DejaVu Sans".to_string(),
        fontdb: std::sync::Arc::new(db),
        ..resvg::usvg::Options::default()
    };
    resvg::usvg::Tree::from_str(svg, &options).expect("the SVG parses")
}

type Rect = (f64, f64, f64, f64);

fn rect(r: resvg::usvg::Rect) -> Rect {
    (
        f64::from(r.left()),
        f64::from(r.top()),
        f64::from(r.right()),
        f64::from(r.bottom()),
    )
}

/// The texts of `svg` with their laid-out boxes, and the translucent white boxes drawn
/// behind legends and labels.
fn layout(svg: &str) -> (Vec<TextBox>, Vec<Rect>) {
    fn walk(group: &resvg::usvg::Group, opacity: f32, out: &mut (Vec<TextBox>, Vec<Rect>)) {
        let opacity = opacity * group.opacity().get();
        for node in group.children() {
            match node {
                resvg::usvg::Node::Group(g) => walk(g, opacity, out),
                resvg::usvg::Node::Text(t) => {
                    let text = t.chunks().iter().map(|c| c.text()).collect::<String>();
                    out.0.push(TextBox {
                        text,
                        rect: rect(t.abs_bounding_box()),
                    });
                }
                resvg::usvg::Node::Path(p) => {
                    let white = p.fill().is_some_and(|f| {
                        let translucent = opacity * f.opacity().get() < 1.0;
                        let colour = matches!(f.paint(), resvg::usvg::Paint::Color(c)
                            if (c.red, c.green, c.blue) == (255, 255, 255));
                        translucent && colour
                    });
                    if white {
                        out.1.push(rect(p.abs_bounding_box()));
                    }
                }
                _ => {}
            }
        }
    }
    let tree = tree(svg);
    let mut out = (Vec::new(), Vec::new());
    walk(tree.root(), 1.0, &mut out);
    out
}

fn overlap(a: &Rect, b: &Rect) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

fn inside(a: &Rect, b: &Rect) -> bool {
    a.0 >= b.0 && a.2 <= b.2 && a.1 >= b.1 && a.3 <= b.3
}

/// The SVG's width in user units and in inches.
fn widths(svg: &str) -> (f64, f64) {
    let root = &svg[..svg.find('>').unwrap()];
    let inches: f64 = attr(root, "width")
        .unwrap()
        .trim_end_matches("in")
        .parse()
        .unwrap();
    let view = attr(root, "viewBox").unwrap();
    let units: f64 = view.split_whitespace().nth(2).unwrap().parse().unwrap();
    (units, inches)
}

fn draw(dir: &Path, data: &Path, extra: &[&str]) {
    let out = dir.display().to_string();
    let data = data.display().to_string();
    let mut args = vec![
        "chinchilla",
        "--data",
        &data,
        "--bootstrap",
        "0",
        "--quiet",
        "--out",
        &out,
    ];
    args.extend(extra);
    let result = run(&args);
    assert!(result.status.success(), "{}", stderr(&result));
}

fn read(dir: &Path, stem: &str) -> String {
    std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap()
}

#[test]
fn chinchilla_draws_the_papers_figures_legibly_and_without_overlaps() {
    let Some(data) = shared_data("chinchilla_epoch_svg_extracted.csv") else {
        return;
    };
    let dir = temp_dir();
    draw(dir.path(), &data, &[]);
    for stem in STEMS {
        for ext in ["png", "svg", "pdf"] {
            let path = dir.path().join(format!("{stem}.{ext}"));
            assert!(path.metadata().unwrap().len() > 1000, "{}", path.display());
        }
        let svg = read(dir.path(), stem);
        let (units, _) = widths(&svg);
        let pt_per_unit = COLUMN_IN * 72.0 / units;
        for (text, size) in font_sizes(&svg) {
            let pt = size * pt_per_unit;
            assert!(
                pt >= MIN_PT - 1e-9,
                "{stem}: '{text}' is {pt:.2} pt at 3.25 in"
            );
        }
        let (boxes, grounds) = layout(&svg);
        assert!(boxes.len() > 10, "{stem}: {} texts", boxes.len());
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[..i] {
                assert!(
                    !overlap(&a.rect, &b.rect),
                    "{stem}: '{}' {:?} overlaps '{}' {:?}",
                    a.text,
                    a.rect,
                    b.text,
                    b.rect
                );
            }
        }
        for ground in grounds {
            for t in &boxes {
                assert!(
                    !overlap(&t.rect, &ground) || inside(&t.rect, &ground),
                    "{stem}: '{}' {:?} runs into a legend or label {ground:?}",
                    t.text,
                    t.rect
                );
            }
        }
    }
    let fig3a: Vec<String> = font_sizes(&read(dir.path(), "fig3a_isoflop_curves"))
        .into_iter()
        .map(|t| t.0)
        .collect();
    for budget in [
        "6×10¹⁸",
        "10¹⁹",
        "3×10¹⁹",
        "6×10¹⁹",
        "10²⁰",
        "3×10²⁰",
        "6×10²⁰",
        "10²¹",
        "3×10²¹",
    ] {
        assert!(
            fig3a.contains(&budget.to_string()),
            "{budget} missing from {fig3a:?}"
        );
    }
    let fig1 = read(dir.path(), "fig1_projections");
    for name in ["GPT-3 175B", "Chinchilla 70B", "MT-NLG 530B", "Gopher 280B"] {
        assert!(fig1.contains(name), "{name}");
    }
    let summary = std::fs::read_to_string(dir.path().join("summary.txt")).unwrap();
    for said in ["paper 0.49", "paper 0.51", "Figure 2", "never released"] {
        assert!(summary.contains(said), "{said}");
    }
}

/// The value of a tick label `10ᵏ` as k.
fn decade(label: &str) -> Option<f64> {
    let exponent: String = label
        .strip_prefix("10")?
        .chars()
        .map(|c| match c {
            '⁻' => Some('-'),
            c => "⁰¹²³⁴⁵⁶⁷⁸⁹"
                .chars()
                .position(|d| d == c)
                .map(|d| char::from(b'0' + d as u8)),
        })
        .collect::<Option<String>>()?;
    exponent.parse().ok()
}

/// Figure 1's published Approach 1 line (blue) as `log10 N - 0.5·log10 C` at each point,
/// reading the axes off the tick labels.
fn approach1_intercepts(svg: &str) -> Vec<f64> {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for piece in svg.split("<text").skip(1) {
        let Some(close) = piece.find('>') else {
            continue;
        };
        let tag = &piece[..close];
        let end = piece.find("</text>").unwrap_or(piece.len());
        let Some(value) = decade(piece[close + 1..end].trim()) else {
            continue;
        };
        let number = |name: &str| attr(tag, name).and_then(|v| v.parse::<f64>().ok()).unwrap();
        // x ticks are centred under the axis, y ticks end at it.
        match attr(tag, "text-anchor").as_deref() {
            Some("middle") => xs.push((value, number("x"))),
            Some("end") => ys.push((value, number("y"))),
            _ => {}
        }
    }
    let map = |pts: &[(f64, f64)]| {
        let (a, b) = (pts[0], pts[pts.len() - 1]);
        let slope = (b.0 - a.0) / (b.1 - a.1);
        move |px: f64| a.0 + slope * (px - a.1)
    };
    let (to_c, to_n) = (map(&xs), map(&ys));
    let line = svg
        .split("<polyline")
        .skip(1)
        .find(|p| p[..p.find('>').unwrap()].contains("stroke=\"#0072B2\""))
        .expect("the Approach 1 line");
    let points = attr(&line[..line.find('>').unwrap()], "points").unwrap();
    points
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            to_n(y.parse().unwrap()) - 0.5 * to_c(x.parse().unwrap())
        })
        .collect()
}

#[test]
fn published_lines_do_not_move_with_the_compute_range() {
    let Some(data) = shared_data("chinchilla_epoch_svg_extracted.csv") else {
        return;
    };
    let (wide, narrow) = (temp_dir(), temp_dir());
    draw(wide.path(), &data, &[]);
    draw(narrow.path(), &data, &["--compute-range", "1e19:1e24"]);
    let a = approach1_intercepts(&read(wide.path(), "fig1_projections"));
    let b = approach1_intercepts(&read(narrow.path(), "fig1_projections"));
    // Table 3: 67B at 5.76e23 FLOPs gives log10 N - 0.5·log10 C = 10.83 - 11.88 = -1.06.
    for v in a.iter().chain(&b) {
        assert!((v - (-1.054)).abs() < 0.05, "{v}");
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        (mean(&a) - mean(&b)).abs() < LINE_TOLERANCE_DEX,
        "{} vs {}",
        mean(&a),
        mean(&b)
    );
}

#[test]
fn plot_isoflop_refuses_where_isoflop_refuses() {
    let dir = temp_dir();
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");
    let budgets = ["--budgets", "3e17,3e22"];
    let analysis = run(&[&["isoflop", data][..], &budgets[..]].concat());
    let target = dir.path().join("slices.png");
    let target_arg = target.display().to_string();
    let figure = run(&[
        &["plot", "isoflop", data, "--quiet", "--out", &target_arg][..],
        &budgets[..],
    ]
    .concat());
    assert!(!analysis.status.success() && !figure.status.success());
    assert_eq!(analysis.status.code(), figure.status.code());
    let said = |out: &std::process::Output| {
        let text = stderr(out);
        text.lines()
            .find(|l| l.contains("IsoFLOP groups"))
            .map(str::to_string)
    };
    assert!(said(&analysis).is_some(), "{}", stderr(&analysis));
    assert_eq!(said(&analysis), said(&figure));
    assert!(!target.exists());
    // Where Approach 2 groups the runs, the slices are drawn at its budgets.
    let out = run(&["plot", "isoflop", data, "--quiet", "--out", &target_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn envelope_plot_draws_the_ladder_as_the_papers_figure_2() {
    let Some(curves) = shared_data("olmo_ladder2024/curves") else {
        return;
    };
    let dir = temp_dir();
    let out = dir.path().join("envelope.svg");
    let mut args: Vec<String> = ["envelope"].iter().map(|s| s.to_string()).collect();
    for size in ["190M", "370M", "760M", "1B", "3B"] {
        for mult in ["0.5", "1", "2", "5", "10"] {
            let file = curves.join(format!("{size}-{mult}xC.csv"));
            args.push(file.display().to_string());
        }
    }
    for flag in [
        "--tokens-col",
        "throughput/total_tokens",
        "--loss-col",
        "eval/c4_en-validation/CrossEntropyLoss",
        "--run-params",
        "190M=190354176",
        "--run-params",
        "370M=371262464",
        "--run-params",
        "760M=758220288",
        "--run-params",
        "1B=1279395840",
        "--run-params",
        "3B=3169537280",
        "--bootstrap",
        "20",
    ] {
        args.push(flag.to_string());
    }
    let with_plot = |path: &Path| {
        let mut a = args.clone();
        a.extend(["--plot".to_string(), path.display().to_string()]);
        a
    };
    let args_plot = with_plot(&out);
    let result = run(&args_plot.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(result.status.success(), "{}", stderr(&result));
    let svg = std::fs::read_to_string(&out).unwrap();
    for text in [
        "envelope",
        "190M",
        "3.2B",
        "budgets fitted",
        "Training loss",
        "Tokens",
    ] {
        assert!(svg.contains(text), "{text}");
    }
    let (units, inches) = widths(&svg);
    for (text, size) in font_sizes(&svg) {
        let pt = size * inches * 72.0 / units;
        assert!(pt >= MIN_PT - 1e-9, "'{text}' is {pt:.2} pt");
    }
    // A figure of unknown format is refused before any work, naming the flag.
    let bad = with_plot(&dir.path().join("envelope.jpg"));
    let result = run(&bad.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(result.status.code(), Some(2));
    assert!(stderr(&result).contains("--plot"), "{}", stderr(&result));
}

#[test]
fn the_generic_optimal_figure_keeps_its_labels_and_key_clear_of_each_other() {
    let dir = crate::common::temp_dir();
    let out = dir.path().join("optimal.svg");
    let out_arg = out.display().to_string();
    let done = crate::common::run(&[
        "plot",
        "optimal",
        "data/simulated_sweep.csv",
        "--bootstrap",
        "200",
        "--out",
        &out_arg,
    ]);
    assert!(done.status.success(), "{}", crate::common::stderr(&done));
    let svg = std::fs::read_to_string(&out).unwrap();
    let (width, _) = widths(&svg);
    let (boxes, _) = layout(&svg);
    assert!(boxes.iter().any(|b| b.text.contains("Llama 3 70B")));
    for (i, a) in boxes.iter().enumerate() {
        assert!(
            a.rect.0 >= 0.0 && a.rect.2 <= width,
            "'{}' {:?} runs off the figure",
            a.text,
            a.rect
        );
        for b in &boxes[i + 1..] {
            assert!(
                !overlap(&a.rect, &b.rect),
                "'{}' {:?} overlaps '{}' {:?}",
                a.text,
                a.rect,
                b.text,
                b.rect
            );
        }
    }
}
