//! Turns the output of `cargo bench --bench peers` into `BENCHMARKS.md` and
//! `benches/chart.svg`: one command regenerates the report from the last run.
//!
//! ```text
//! cargo bench --bench peers
//! cargo run --release -p mmf-benches --bin bench_report
//! ```
//!
//! Every number is the median criterion measured; every ratio is between two
//! medians of the same run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Medians in nanoseconds: `[group][peer][size]`.
type Medians = BTreeMap<String, BTreeMap<String, BTreeMap<String, f64>>>;

const SIZES: [&str; 3] = ["6MB", "256MB", "1GB"];

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn medians(root: &Path) -> Medians {
    let mut out = Medians::new();
    let dirs = |p: &Path| -> Vec<PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(p)
            .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect())
            .unwrap_or_default();
        v.sort();
        v
    };
    for group in dirs(root) {
        for peer in dirs(&group) {
            for size in dirs(&peer) {
                let Some(estimates) = read_json(&size.join("new/estimates.json")) else { continue };
                let Some(median) = estimates["median"]["point_estimate"].as_f64() else { continue };
                let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
                out.entry(name(&group))
                    .or_default()
                    .entry(name(&peer))
                    .or_default()
                    .insert(name(&size), median);
            }
        }
    }
    out
}

struct Report {
    m: Medians,
    data: Value,
    sizes: Vec<&'static str>,
    md: String,
}

impl Report {
    fn get(&self, group: &str, peer: &str, size: &str) -> Option<f64> {
        self.m.get(group)?.get(peer)?.get(size).copied()
    }

    fn coord_bytes(&self, size: &str) -> Option<f64> {
        self.data[size]["coord_bytes"].as_f64()
    }

    fn file_bytes(&self, size: &str, peer: &str) -> Option<f64> {
        self.data[size]["file_bytes"][peer].as_f64()
    }

    /// A table with one row per peer, one column per size, each cell by `cell`.
    fn table(
        &mut self,
        group: &str,
        peers: &[&str],
        unit: &str,
        cell: impl Fn(&Self, &str, f64) -> String,
    ) {
        let mut header = format!("| {group} |");
        let mut rule = "|---|".to_string();
        for size in &self.sizes {
            let _ = write!(header, " {size} ({unit}) |");
            rule.push_str("---:|");
        }
        let mut rows = String::new();
        for peer in peers {
            let mut row = format!("| {peer} |");
            let mut any = false;
            for size in &self.sizes {
                match self.get(group, peer, size) {
                    Some(ns) => {
                        any = true;
                        let _ = write!(row, " {} |", cell(self, size, ns));
                    }
                    None => row.push_str(" — |"),
                }
            }
            if any {
                rows.push_str(&row);
                rows.push('\n');
            }
        }
        let _ = writeln!(self.md, "{header}\n{rule}\n{rows}");
    }

    /// `a ÷ b` of two medians, per size, as a line.
    fn ratios(
        &self,
        label: &str,
        a: (&str, &str),
        b: (&str, &str),
        target: &str,
        ok: impl Fn(f64) -> bool,
    ) -> String {
        let mut parts = Vec::new();
        for size in &self.sizes {
            if let (Some(x), Some(y)) = (self.get(a.0, a.1, size), self.get(b.0, b.1, size)) {
                let r = x / y;
                parts.push(format!("{size}: **{r:.2}** {}", if ok(r) { "✓" } else { "✗" }));
            }
        }
        format!("- {label}: {} (target {target})\n", parts.join(", "))
    }
}

fn time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn gbps(bytes: f64, ns: f64) -> String {
    format!("{:.2}", bytes / ns)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<u64>().unwrap_or(0))
        })
        .map_or_else(String::new, |kb| format!("{} GiB", kb / (1 << 20)));
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {memory}, Linux {}, {rustc}", kernel.trim())
}

/// How a case's cells show a median.
#[derive(Clone, Copy)]
enum Cell {
    Time,
    /// The time of one of this many operations per iteration.
    PerRead(f64),
    /// GB/s of the coordinates' bytes.
    CoordGbps,
    /// GB/s of the mmf file's bytes.
    FileGbps,
}

/// `a ÷ b` of two peers' medians, against a target.
struct Ratio {
    label: &'static str,
    a: &'static str,
    b: &'static str,
    target: &'static str,
    ok: fn(f64) -> bool,
}

/// One benchmark group: its table and the ratios the issue sets targets for.
struct Case {
    title: &'static str,
    group: &'static str,
    peers: &'static [&'static str],
    unit: &'static str,
    cell: Cell,
    ratios: &'static [Ratio],
}

const fn ratio(
    label: &'static str,
    a: &'static str,
    b: &'static str,
    target: &'static str,
    ok: fn(f64) -> bool,
) -> Ratio {
    Ratio { label, a, b, target, ok }
}

const CASES: &[Case] = &[
    Case {
        title: "Open the file and read one field (warm page cache)",
        group: "open_read_one",
        peers: &[
            "mmf_open_unchecked",
            "mmf_open",
            "mmf_open_after_create",
            "rkyv_access_unchecked",
            "rkyv_access",
            "bincode",
            "postcard",
            "serde_json",
        ],
        unit: "median",
        cell: Cell::Time,
        ratios: &[
            ratio(
                "mmf_open_unchecked ÷ rkyv_access_unchecked",
                "mmf_open_unchecked",
                "rkyv_access_unchecked",
                "≤ 1.1",
                |x| x <= 1.1,
            ),
            ratio("bincode ÷ mmf_open", "bincode", "mmf_open", "orders of magnitude", |x| {
                x >= 10.0
            }),
            ratio("serde_json ÷ mmf_open", "serde_json", "mmf_open", "orders of magnitude", |x| {
                x >= 10.0
            }),
            ratio("rkyv_access ÷ mmf_open", "rkyv_access", "mmf_open", "mmf ahead", |x| x >= 1.0),
        ],
    },
    Case {
        title: "Random `hikes[i].gps_track[j].z` (1024 reads per iteration)",
        group: "random_access",
        peers: &["native", "mmf", "rkyv_access_unchecked"],
        unit: "per read",
        cell: Cell::PerRead(1024.0),
        ratios: &[
            ratio("mmf ÷ native", "mmf", "native", "≤ 1.5", |x| x <= 1.5),
            ratio("mmf ÷ rkyv_access_unchecked", "mmf", "rkyv_access_unchecked", "≤ 1.0", |x| {
                x <= 1.0
            }),
        ],
    },
    Case {
        title: "Sum every coordinate (GB/s of coordinates)",
        group: "traverse",
        peers: &[
            "native",
            "mmf",
            "rkyv_access_unchecked",
            "mmf_fresh_mapping",
            "mmf_fresh_mapping_populate",
            "rkyv_fresh_mapping",
        ],
        unit: "GB/s",
        cell: Cell::CoordGbps,
        ratios: &[
            ratio("native ÷ mmf (throughput mmf ÷ native)", "native", "mmf", "≥ 0.95", |x| {
                x >= 0.95
            }),
            ratio(
                "warm ÷ fresh mapping (throughput fresh ÷ warm)",
                "mmf",
                "mmf_fresh_mapping",
                "≥ 0.8",
                |x| x >= 0.8,
            ),
            ratio(
                "warm ÷ fresh mapping with populate",
                "mmf",
                "mmf_fresh_mapping_populate",
                "≥ 0.8",
                |x| x >= 0.8,
            ),
        ],
    },
    Case {
        title: "Add 1 to every `z`, in place",
        group: "set_every_z",
        peers: &["native", "mmf", "rkyv_access_unchecked_mut"],
        unit: "median",
        cell: Cell::Time,
        ratios: &[
            ratio("native ÷ mmf (throughput mmf ÷ native)", "native", "mmf", "≥ 0.9", |x| {
                x >= 0.9
            }),
            ratio("rkyv ÷ mmf", "rkyv_access_unchecked_mut", "mmf", "≥ 2", |x| x >= 2.0),
        ],
    },
    Case {
        title: "Change one coordinate, then make it durable",
        group: "update_and_flush",
        peers: &["mmf_flush_range", "raw_msync", "raw_pwrite_fdatasync"],
        unit: "median",
        cell: Cell::Time,
        ratios: &[
            ratio(
                "mmf ÷ raw msync of the same bytes",
                "mmf_flush_range",
                "raw_msync",
                "≤ 1.1",
                |x| x <= 1.1,
            ),
            ratio(
                "mmf ÷ raw pwrite + fdatasync of the same bytes",
                "mmf_flush_range",
                "raw_pwrite_fdatasync",
                "≤ 1.1",
                |x| x <= 1.1,
            ),
        ],
    },
    Case {
        title: "Write the database to a new file (GB/s of file, page cache, no fsync)",
        group: "create",
        peers: &[
            "mmf_create",
            "memcpy",
            "memcpy_into_fresh_mapping",
            "rkyv_to_bytes_write_all",
            "bincode_buffered_file",
        ],
        unit: "GB/s",
        cell: Cell::FileGbps,
        ratios: &[
            ratio(
                "memcpy_into_fresh_mapping ÷ mmf_create (throughput mmf ÷ what the mapping allows)",
                "memcpy_into_fresh_mapping",
                "mmf_create",
                "≥ 0.8",
                |x| x >= 0.8,
            ),
            ratio(
                "rkyv_to_bytes_write_all ÷ mmf_create",
                "rkyv_to_bytes_write_all",
                "mmf_create",
                "> 1",
                |x| x > 1.0,
            ),
            ratio(
                "bincode_buffered_file ÷ mmf_create",
                "bincode_buffered_file",
                "mmf_create",
                "≥ 3",
                |x| x >= 3.0,
            ),
            ratio("mmf_create ÷ memcpy", "mmf_create", "memcpy", "—", |_| true),
        ],
    },
    Case {
        title: "Full validation, in memory (GB/s of file)",
        group: "validate",
        peers: &["mmf_from_bytes", "rkyv_access"],
        unit: "GB/s",
        cell: Cell::FileGbps,
        ratios: &[ratio("mmf ÷ rkyv (time)", "mmf_from_bytes", "rkyv_access", "≤ 1", |x| {
            x <= 1.0
        })],
    },
];

/// Open time at the largest size ÷ at the smallest: flat means O(1) open.
fn flatness(r: &Report) -> String {
    let (first, last) = (r.sizes[0], *r.sizes.last().unwrap());
    let mut notes = String::new();
    for peer in ["mmf_open_unchecked", "mmf_open", "rkyv_access_unchecked"] {
        if let (Some(a), Some(b)) =
            (r.get("open_read_one", peer, last), r.get("open_read_one", peer, first))
        {
            let flat = a / b;
            let verdict = match (peer, flat <= 1.2) {
                ("mmf_open_unchecked", true) => " ✓ (target ≤ 1.2)",
                ("mmf_open_unchecked", false) => " ✗ (target ≤ 1.2)",
                _ => "",
            };
            let _ = writeln!(notes, "- {peer}: {last} ÷ {first} = **{flat:.2}**{verdict}");
        }
    }
    notes
}

fn main() {
    // This package's directory; the workspace (its target directory and
    // BENCHMARKS.md) is the one above.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let criterion = manifest.join("../target/criterion");
    let data =
        read_json(&criterion.join("mmf-data.json")).expect("run `cargo bench --bench peers` first");
    let m = medians(&criterion);
    let sizes: Vec<_> = SIZES.iter().copied().filter(|s| data.get(*s).is_some()).collect();
    let mut r = Report { m, data, sizes, md: String::new() };

    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "mmf against what a Rust user would pick instead — rkyv 0.8 over memmap2, bincode 2, postcard, \
         serde_json — and against the owned value in memory (`native`), all in one run of one binary on \
         the same hiking database (built from a fixed seed) and the same filesystem.\n"
    );
    let _ = writeln!(md, "- **Machine**: {}", machine());
    let _ = writeln!(
        md,
        "- **Reproduce**: `MMF_BENCH_LARGE=1 cargo bench --bench peers` (without the variable, 6 MB and \
         256 MB only; `MMF_BENCH_SIZES=1GB` runs one size and adds it to the last results), then \
         `cargo run --release -p mmf-benches --bin bench_report` to rewrite this file and `benches/chart.svg`."
    );
    let _ = writeln!(
        md,
        "- **Numbers**: criterion medians; ratios are between medians of the same run. Data: {}.\n",
        r.sizes
            .iter()
            .map(|s| format!(
                "{s} = {} hikes, {} GPS points",
                r.data[*s]["hikes"], r.data[*s]["points"]
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let _ = writeln!(md, "![open time and traversal throughput](benches/chart.svg)\n");
    r.md = md;

    for case in CASES {
        let _ = writeln!(r.md, "## {}\n", case.title);
        let cell = |r: &Report, size: &str, ns: f64| match case.cell {
            Cell::Time => time(ns),
            Cell::PerRead(n) => time(ns / n),
            Cell::CoordGbps => gbps(r.coord_bytes(size).unwrap_or(0.0), ns),
            Cell::FileGbps => gbps(r.file_bytes(size, "mmf").unwrap_or(0.0), ns),
        };
        r.table(case.group, case.peers, case.unit, cell);
        let mut notes = String::new();
        if case.group == "open_read_one" {
            notes.push_str(&flatness(&r));
        }
        for ratio in case.ratios {
            notes.push_str(&r.ratios(
                ratio.label,
                (case.group, ratio.a),
                (case.group, ratio.b),
                ratio.target,
                ratio.ok,
            ));
        }
        let _ = writeln!(r.md, "{notes}");
    }

    // 9. File size.
    r.md.push_str("## File size\n\n| peer |");
    let sizes = r.sizes.clone();
    for size in &sizes {
        let _ = write!(r.md, " {size} (bytes) |");
    }
    r.md.push_str("\n|---|");
    for _ in &sizes {
        r.md.push_str("---:|");
    }
    r.md.push('\n');
    for peer in ["mmf", "rkyv", "bincode", "postcard", "json"] {
        let _ = write!(r.md, "| {peer} |");
        for size in &sizes {
            let _ = write!(
                r.md,
                " {} |",
                r.file_bytes(size, peer).map_or("—".into(), |b| format!("{b:.0}"))
            );
        }
        r.md.push('\n');
    }
    let mut parts = Vec::new();
    for size in &sizes {
        if let (Some(a), Some(b)) = (r.file_bytes(size, "mmf"), r.file_bytes(size, "bincode")) {
            parts.push(format!(
                "{size}: **{:.4}** {}",
                a / b,
                if a / b <= 1.1 { "✓" } else { "✗" }
            ));
        }
    }
    let _ = writeln!(r.md, "\n- mmf ÷ bincode: {} (target ≤ 1.1)\n", parts.join(", "));

    let analysis = manifest.join("analysis.md");
    if let Ok(text) = std::fs::read_to_string(&analysis) {
        r.md.push_str(&text);
    }

    std::fs::write(manifest.join("../BENCHMARKS.md"), &r.md).unwrap();
    std::fs::write(manifest.join("chart.svg"), chart(&r)).unwrap();
    println!("wrote BENCHMARKS.md and benches/chart.svg");
}

/// Two panels: open time against file size (log-log) for every peer, and
/// warm traversal throughput per peer at the largest size.
fn chart(r: &Report) -> String {
    let colors = ["#1b9e77", "#66a61e", "#d95f02", "#e6ab02", "#7570b3", "#e7298a", "#666666"];
    let peers = [
        "mmf_open_unchecked",
        "mmf_open",
        "rkyv_access_unchecked",
        "rkyv_access",
        "bincode",
        "postcard",
        "serde_json",
    ];
    let (w, h) = (1100.0, 420.0);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    // Left panel: log-log.
    let (x0, y0, pw, ph) = (70.0, 40.0, 400.0, 300.0);
    let points: Vec<(f64, f64)> = r
        .sizes
        .iter()
        .flat_map(|size| {
            peers.iter().filter_map(|p| r.get("open_read_one", p, size)).map(|ns| (0.0, ns))
        })
        .collect();
    let (lo, hi) =
        points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &(_, ns)| (lo.min(ns), hi.max(ns)));
    let (lo, hi) = ((lo.log10()).floor(), (hi.log10()).ceil());
    let xs: Vec<f64> =
        r.sizes.iter().map(|s| r.file_bytes(s, "mmf").unwrap_or(1.0).log10()).collect();
    let (xlo, xhi) =
        (xs.first().copied().unwrap_or(0.0) - 0.2, xs.last().copied().unwrap_or(1.0) + 0.2);
    let px = |x: f64| x0 + (x - xlo) / (xhi - xlo) * pw;
    let py = |ns: f64| y0 + ph - (ns.log10() - lo) / (hi - lo).max(1.0) * ph;
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"24\" font-size=\"14\">Open + read one field (log-log)</text>",
        x0
    );
    let _ = writeln!(
        s,
        "<rect x=\"{x0}\" y=\"{y0}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#999\"/>"
    );
    let mut e = lo;
    while e <= hi {
        let y = py(10f64.powf(e));
        let _ = writeln!(
            s,
            "<line x1=\"{x0}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#eee\"/>",
            x0 + pw
        );
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            x0 - 6.0,
            y + 4.0,
            time(10f64.powf(e))
        );
        e += 1.0;
    }
    for (size, x) in r.sizes.iter().zip(&xs) {
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{size}</text>",
            px(*x),
            y0 + ph + 16.0
        );
    }
    for (i, peer) in peers.iter().enumerate() {
        let pts: Vec<String> = r
            .sizes
            .iter()
            .zip(&xs)
            .filter_map(|(size, x)| {
                r.get("open_read_one", peer, size).map(|ns| format!("{:.1},{:.1}", px(*x), py(ns)))
            })
            .collect();
        if pts.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
            pts.join(" "),
            colors[i]
        );
        for p in &pts {
            let (cx, cy) = p.split_once(',').unwrap();
            let _ = writeln!(s, "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"3\" fill=\"{}\"/>", colors[i]);
        }
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" fill=\"{}\">{peer}</text>",
            x0 + pw + 8.0,
            y0 + 14.0 + 16.0 * i as f64,
            colors[i]
        );
    }
    // Right panel: bars.
    let size = *r.sizes.last().unwrap_or(&"6MB");
    let bars = [
        "native",
        "mmf",
        "rkyv_access_unchecked",
        "mmf_fresh_mapping",
        "mmf_fresh_mapping_populate",
        "rkyv_fresh_mapping",
    ];
    let values: Vec<(String, f64)> = bars
        .iter()
        .filter_map(|p| {
            r.get("traverse", p, size)
                .map(|ns| (p.to_string(), r.coord_bytes(size).unwrap_or(0.0) / ns))
        })
        .collect();
    let max = values.iter().map(|v| v.1).fold(0.0, f64::max).max(1e-9);
    let (bx, by, bw) = (790.0, 40.0, 250.0);
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"24\" font-size=\"14\">Sum every coordinate, {size} (GB/s)</text>",
        bx - 150.0
    );
    for (i, (peer, gb)) in values.iter().enumerate() {
        let y = by + 10.0 + 48.0 * i as f64;
        let len = gb / max * bw;
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{peer}</text>",
            bx - 6.0,
            y + 14.0
        );
        let _ = writeln!(
            s,
            "<rect x=\"{bx}\" y=\"{y}\" width=\"{len:.1}\" height=\"20\" fill=\"#1b9e77\"/>"
        );
        let _ = writeln!(s, "<text x=\"{}\" y=\"{}\">{gb:.2}</text>", bx + len + 4.0, y + 14.0);
    }
    s.push_str("</svg>\n");
    s
}
