//! Replays the fuzzers' committed corpus (`fuzz/corpus/<target>/*`) through the
//! same checks the fuzz targets run, so `cargo test` keeps every input the
//! fuzzers found interesting, and every crash they found, fixed.

mod common;

use std::path::Path;

fn replay(target: &str, check: impl Fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut count = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let data = std::fs::read(&path).unwrap();
        check(&data);
        count += 1;
    }
    assert!(count > 0, "no corpus in {}", dir.display());
    count
}

#[test]
#[cfg_attr(miri, ignore = "reads files")]
fn from_bytes_corpus() {
    replay("from_bytes", common::fuzz::check_input);
}

#[test]
#[cfg_attr(miri, ignore = "reads files")]
fn edits_corpus() {
    let seeds = common::fuzz::seeds();
    replay("edits", |data| common::fuzz::check_edits(data, &seeds));
}

#[test]
#[cfg_attr(miri, ignore = "reads files")]
fn round_trip_corpus() {
    replay("round_trip", common::fuzz::check_value);
}

/// Writes the seed corpus the fuzzers start from: one valid image per schema,
/// an empty edit list per schema, and a few value descriptions.
/// Run with `cargo test --test fuzz_corpus -- --ignored write_seed_corpus`.
#[test]
#[ignore = "writes the seed corpus; run by hand"]
fn write_seed_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let write = |target: &str, name: String, data: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), data).unwrap();
    };
    for (schema, image) in common::fuzz::seeds().iter().enumerate() {
        let mut data = vec![schema as u8];
        data.extend_from_slice(image);
        write("from_bytes", format!("seed-{schema}"), &data);
        write("edits", format!("seed-{schema}"), &[schema as u8]);
    }
    let mut rng = common::Rng(7);
    for i in 0..4 {
        let data: Vec<u8> = (0..64 * (i + 1)).map(|_| rng.next() as u8).collect();
        write("round_trip", format!("seed-{i}"), &data);
    }
}
