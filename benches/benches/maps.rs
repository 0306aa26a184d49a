//! Map lookups through the mapping, against the owned map and rkyv's archive.
//!
//! A `HashMap<String, u64>` of 1 M entries (`MMF_MAP_ENTRIES` to change),
//! written once by each peer; then `get` on 1,000 keys in a fixed random
//! order, hits and misses. Peers: `std::collections::HashMap::get` on the
//! owned value (SipHash), mmf's `MapView::get` over a `MappedFile`, and
//! rkyv 0.8's `ArchivedHashMap::get` over a memory-mapped archive.
//!
//! ```sh
//! cargo bench --bench maps
//! ```

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput};
use memmap2::Mmap;
use mmf::{MappedFile, MappedFileMut};
use rkyv::rancor::Error as RkyvError;

/// xorshift64*: the same keys and order in every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn key(i: u64) -> String {
    format!("hiker-{i:07}")
}

fn main() {
    let entries: u64 =
        std::env::var("MMF_MAP_ENTRIES").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let map: HashMap<String, u64> = (0..entries).map(|i| (key(i), i * 7)).collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // Nine hits in ten, one miss.
    let probes: Vec<String> = (0..1000)
        .map(|i| {
            if i % 10 == 9 {
                key(entries + rng.next() % entries)
            } else {
                key(rng.next() % entries)
            }
        })
        .collect();

    let dir = tempfile::tempdir().expect("a temporary directory");
    let mmf_path = dir.path().join("map.mmf");
    drop(MappedFileMut::create(&mmf_path, &map).expect("write the mmf file"));
    let rkyv_path = dir.path().join("map.rkyv");
    std::fs::write(&rkyv_path, rkyv::to_bytes::<RkyvError>(&map).expect("archive")).unwrap();

    let file = MappedFile::<HashMap<String, u64>>::open(&mmf_path).expect("open the mmf file");
    let view = file.root();
    // SAFETY: the file was just written by this program and is not changed.
    let rkyv_map = unsafe { Mmap::map(&std::fs::File::open(&rkyv_path).unwrap()) }.unwrap();
    let archived = rkyv::access::<rkyv::Archived<HashMap<String, u64>>, RkyvError>(&rkyv_map)
        .expect("a valid archive");

    // All three agree on every probe.
    for probe in &probes {
        let expected = map.get(probe).copied();
        assert_eq!(view.get(probe), expected);
        assert_eq!(archived.get(probe.as_str()).map(|v| v.to_native()), expected);
    }

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group(format!("map_get/{entries}"));
    group.throughput(Throughput::Elements(probes.len() as u64));
    group.bench_function("std_hashmap", |b| {
        b.iter(|| probes.iter().filter_map(|k| map.get(black_box(k.as_str()))).sum::<u64>())
    });
    group.bench_function("mmf", |b| {
        b.iter(|| probes.iter().filter_map(|k| view.get(black_box(k.as_str()))).sum::<u64>())
    });
    group.bench_function("hash_only", |b| {
        b.iter(|| {
            probes
                .iter()
                .map(|k| mmf::map_key_hash(black_box(k.as_bytes())))
                .fold(0, u64::wrapping_add)
        })
    });
    group.bench_function("rkyv", |b| {
        b.iter(|| {
            probes
                .iter()
                .filter_map(|k| archived.get(black_box(k.as_str())))
                .map(|v| v.to_native())
                .sum::<u64>()
        })
    });
    group.finish();
    c.final_summary();
}
