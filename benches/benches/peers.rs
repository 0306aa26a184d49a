//! mmf against what a Rust user would pick instead, on the same hiking database,
//! the same filesystem, in the same run.
//!
//! ```text
//! cargo bench --bench peers                         # 6 MB and 256 MB
//! MMF_BENCH_LARGE=1 cargo bench --bench peers       # also 1 GB
//! MMF_BENCH_SIZES=1GB cargo bench --bench peers     # any list of 6MB, 256MB, 1GB
//! cargo run --release -p mmf-benches --bin bench_report        # BENCHMARKS.md and benches/chart.svg
//! ```
//!
//! Peers: mmf (validated `open`, `open_unchecked`, in-place `ViewMut`); rkyv 0.8
//! through memmap2 (`access_unchecked`, validated `access`); bincode 2, postcard
//! and serde_json (read the file, deserialize, then do the work); native (the
//! owned value in memory) and `memcpy`. Every case sums the values it reads and
//! `black_box`es the sum.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use memmap2::{Mmap, MmapMut};
use mmf::{Mapped, MappedFile, MappedFileMut};
use rkyv::rancor::Error as RkyvError;

#[derive(
    Mapped,
    Clone,
    Debug,
    PartialEq,
    serde::Serialize,
    serde::Deserialize,
    bincode::Encode,
    bincode::Decode,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
#[mmf(frozen)]
struct Coord {
    x: f64,
    y: f64,
    z: f64,
}

#[derive(
    Mapped,
    Clone,
    Debug,
    PartialEq,
    serde::Serialize,
    serde::Deserialize,
    bincode::Encode,
    bincode::Decode,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
struct Hike {
    date: String,
    description: String,
    gps_track: Vec<Coord>,
}

#[derive(
    Mapped,
    Clone,
    Debug,
    PartialEq,
    serde::Serialize,
    serde::Deserialize,
    bincode::Encode,
    bincode::Decode,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
struct HikingDatabase {
    description: String,
    hikes: Vec<Hike>,
}

/// xorshift64*, so every run builds the same database.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

fn build(hikes: usize, points: usize) -> HikingDatabase {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let hikes = (0..hikes)
        .map(|i| {
            let (mut x, mut y, mut z) = (0.0, 0.0, 400.0);
            Hike {
                date: format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
                description: format!("Hike {} in the Alps", i + 1),
                gps_track: (0..points)
                    .map(|_| {
                        x += 5.0 * rng.unit();
                        y += 5.0 * rng.unit();
                        z += 2.0 * rng.unit();
                        Coord { x, y, z }
                    })
                    .collect(),
            }
        })
        .collect();
    HikingDatabase { description: "Hikes".into(), hikes }
}

/// One data set: the value in memory and each peer's file.
struct Data {
    label: &'static str,
    db: HikingDatabase,
    dir: PathBuf,
    points: usize,
    /// `(hike, point)` pairs for random access.
    picks: Vec<(usize, usize)>,
}

impl Data {
    fn path(&self, peer: &str) -> PathBuf {
        self.dir.join(format!("hikes.{peer}"))
    }

    fn new(label: &'static str, hikes: usize, points: usize) -> Data {
        let dir = std::env::temp_dir().join(format!("mmf-bench-{label}"));
        std::fs::create_dir_all(&dir).unwrap();
        let db = build(hikes, points);
        let mut rng = Rng(42);
        let picks = (0..1024)
            .map(|_| (rng.next() as usize % hikes, rng.next() as usize % points))
            .collect();
        let data = Data { label, db, dir, points: hikes * points, picks };
        // Every peer's file is written with `write`, so that all are in the page
        // cache alike; `mmf-created` is the same file written through a mapping
        // by `MappedFileMut::create` (see `mmf_open_after_create`).
        std::fs::write(data.path("mmf"), mmf::to_bytes(&data.db)).unwrap();
        drop(MappedFileMut::create(data.path("mmf-created"), &data.db).unwrap());
        std::fs::write(data.path("rkyv"), rkyv::to_bytes::<RkyvError>(&data.db).unwrap()).unwrap();
        let config = bincode::config::standard();
        std::fs::write(data.path("bincode"), bincode::encode_to_vec(&data.db, config).unwrap())
            .unwrap();
        std::fs::write(data.path("postcard"), postcard::to_allocvec(&data.db).unwrap()).unwrap();
        let json = BufWriter::new(File::create(data.path("json")).unwrap());
        serde_json::to_writer(json, &data.db).unwrap();
        data
    }

    fn file_len(&self, peer: &str) -> u64 {
        std::fs::metadata(self.path(peer)).unwrap().len()
    }

    /// The bytes of coordinates, for throughput.
    fn coord_bytes(&self) -> u64 {
        self.points as u64 * 24
    }
}

fn map(path: &Path) -> Mmap {
    // SAFETY: the benchmark's own file, not changed while mapped.
    unsafe { Mmap::map(&File::open(path).unwrap()).unwrap() }
}

type Archived = ArchivedHikingDatabase;

fn native_sum(db: &HikingDatabase) -> f64 {
    let mut sum = 0.0;
    for hike in &db.hikes {
        for c in &hike.gps_track {
            sum += c.x + c.y + c.z;
        }
    }
    sum
}

fn mmf_sum(root: HikingDatabaseView<'_>) -> f64 {
    let mut sum = 0.0;
    for hike in root.hikes() {
        for c in hike.gps_track().try_as_slice().unwrap() {
            sum += c.x + c.y + c.z;
        }
    }
    sum
}

fn rkyv_sum(root: &Archived) -> f64 {
    let mut sum = 0.0;
    for hike in root.hikes.iter() {
        for c in hike.gps_track.iter() {
            sum += c.x.to_native() + c.y.to_native() + c.z.to_native();
        }
    }
    sum
}

/// Open the file and read `hikes[n/2].gps_track[0].z`.
fn open_read_one(c: &mut Criterion, d: &Data) {
    let mut g = c.benchmark_group("open_read_one");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    let middle = d.db.hikes.len() / 2;
    let (mmf_path, rkyv_path) = (d.path("mmf"), d.path("rkyv"));
    g.bench_function(BenchmarkId::new("mmf_open_unchecked", d.label), |b| {
        b.iter(|| {
            // SAFETY: written by this benchmark with mmf.
            let file = unsafe { MappedFile::<HikingDatabase>::open_unchecked(&mmf_path) }.unwrap();
            black_box(file.root().hikes().get(middle).unwrap().gps_track().get(0).unwrap().z())
        })
    });
    g.bench_function(BenchmarkId::new("mmf_open", d.label), |b| {
        b.iter(|| {
            let file = MappedFile::<HikingDatabase>::open(&mmf_path).unwrap();
            black_box(file.root().hikes().get(middle).unwrap().gps_track().get(0).unwrap().z())
        })
    });
    let created = d.path("mmf-created");
    g.bench_function(BenchmarkId::new("mmf_open_after_create", d.label), |b| {
        b.iter(|| {
            let file = MappedFile::<HikingDatabase>::open(&created).unwrap();
            black_box(file.root().hikes().get(middle).unwrap().gps_track().get(0).unwrap().z())
        })
    });
    g.bench_function(BenchmarkId::new("rkyv_access_unchecked", d.label), |b| {
        b.iter(|| {
            let map = map(&rkyv_path);
            // SAFETY: written by this benchmark with rkyv.
            let root = unsafe { rkyv::access_unchecked::<Archived>(&map) };
            black_box(root.hikes[middle].gps_track[0].z.to_native())
        })
    });
    g.bench_function(BenchmarkId::new("rkyv_access", d.label), |b| {
        b.iter(|| {
            let map = map(&rkyv_path);
            let root = rkyv::access::<Archived, RkyvError>(&map).unwrap();
            black_box(root.hikes[middle].gps_track[0].z.to_native())
        })
    });
    g.bench_function(BenchmarkId::new("bincode", d.label), |b| {
        b.iter(|| {
            let bytes = std::fs::read(d.path("bincode")).unwrap();
            let (db, _): (HikingDatabase, _) =
                bincode::decode_from_slice(&bytes, bincode::config::standard()).unwrap();
            black_box(db.hikes[middle].gps_track[0].z)
        })
    });
    g.bench_function(BenchmarkId::new("postcard", d.label), |b| {
        b.iter(|| {
            let bytes = std::fs::read(d.path("postcard")).unwrap();
            let db: HikingDatabase = postcard::from_bytes(&bytes).unwrap();
            black_box(db.hikes[middle].gps_track[0].z)
        })
    });
    g.bench_function(BenchmarkId::new("serde_json", d.label), |b| {
        b.iter(|| {
            let bytes = std::fs::read(d.path("json")).unwrap();
            let db: HikingDatabase = serde_json::from_slice(&bytes).unwrap();
            black_box(db.hikes[middle].gps_track[0].z)
        })
    });
    g.finish();
}

/// 1024 random `hikes[i].gps_track[j].z` reads from an open file.
fn random_access(c: &mut Criterion, d: &Data) {
    let mut g = c.benchmark_group("random_access");
    g.throughput(Throughput::Elements(d.picks.len() as u64));
    let file = MappedFile::<HikingDatabase>::open(d.path("mmf")).unwrap();
    let rkyv_map = map(&d.path("rkyv"));
    // SAFETY: written by this benchmark with rkyv.
    let archived = unsafe { rkyv::access_unchecked::<Archived>(&rkyv_map) };
    g.bench_function(BenchmarkId::new("native", d.label), |b| {
        b.iter(|| {
            d.picks.iter().map(|&(i, j)| black_box(&d.db).hikes[i].gps_track[j].z).sum::<f64>()
        })
    });
    g.bench_function(BenchmarkId::new("mmf", d.label), |b| {
        let root = file.root();
        b.iter(|| {
            d.picks
                .iter()
                .map(|&(i, j)| {
                    black_box(root).hikes().get(i).unwrap().gps_track().get(j).unwrap().z()
                })
                .sum::<f64>()
        })
    });
    g.bench_function(BenchmarkId::new("rkyv_access_unchecked", d.label), |b| {
        b.iter(|| {
            d.picks
                .iter()
                .map(|&(i, j)| black_box(archived).hikes[i].gps_track[j].z.to_native())
                .sum::<f64>()
        })
    });
    g.finish();
}

/// Sum every coordinate: in warm memory, then on a fresh mapping per pass.
fn traverse(c: &mut Criterion, d: &Data) {
    let mut g = c.benchmark_group("traverse");
    g.throughput(Throughput::Bytes(d.coord_bytes())).sample_size(10);
    let file = MappedFile::<HikingDatabase>::open(d.path("mmf")).unwrap();
    let rkyv_map = map(&d.path("rkyv"));
    // SAFETY: written by this benchmark with rkyv.
    let archived = unsafe { rkyv::access_unchecked::<Archived>(&rkyv_map) };
    g.bench_function(BenchmarkId::new("native", d.label), |b| {
        b.iter(|| black_box(native_sum(&d.db)))
    });
    g.bench_function(BenchmarkId::new("mmf", d.label), |b| {
        b.iter(|| black_box(mmf_sum(file.root())))
    });
    g.bench_function(BenchmarkId::new("rkyv_access_unchecked", d.label), |b| {
        b.iter(|| black_box(rkyv_sum(archived)))
    });
    let path = d.path("mmf");
    g.bench_function(BenchmarkId::new("mmf_fresh_mapping", d.label), |b| {
        b.iter(|| {
            // SAFETY: written by this benchmark with mmf.
            let file = unsafe { MappedFile::<HikingDatabase>::open_unchecked(&path) }.unwrap();
            black_box(mmf_sum(file.root()))
        })
    });
    g.bench_function(BenchmarkId::new("mmf_fresh_mapping_populate", d.label), |b| {
        b.iter(|| {
            let options = mmf::MapOptions::new().populate(true);
            // SAFETY: written by this benchmark with mmf.
            let file = unsafe { options.open_unchecked::<HikingDatabase>(&path) }.unwrap();
            black_box(mmf_sum(file.root()))
        })
    });
    let rkyv_path = d.path("rkyv");
    g.bench_function(BenchmarkId::new("rkyv_fresh_mapping", d.label), |b| {
        b.iter(|| {
            let map = map(&rkyv_path);
            // SAFETY: written by this benchmark with rkyv.
            black_box(rkyv_sum(unsafe { rkyv::access_unchecked::<Archived>(&map) }))
        })
    });
    g.finish();
}

/// Add 1 to every `z`, in place.
fn set_every_z(c: &mut Criterion, d: &Data) {
    let mut g = c.benchmark_group("set_every_z");
    g.throughput(Throughput::Elements(d.points as u64)).sample_size(10);
    let mut native = d.db.clone();
    g.bench_function(BenchmarkId::new("native", d.label), |b| {
        b.iter(|| {
            for hike in &mut black_box(&mut native).hikes {
                for c in &mut hike.gps_track {
                    c.z += 1.0;
                }
            }
        })
    });
    drop(native);
    let mut file = MappedFileMut::<HikingDatabase>::open(d.path("mmf")).unwrap();
    g.bench_function(BenchmarkId::new("mmf", d.label), |b| {
        b.iter(|| {
            let mut root = file.root_mut();
            for mut hike in black_box(root.hikes_mut()).iter_mut() {
                for c in hike.gps_track_mut().as_mut_slice() {
                    c.z += 1.0;
                }
            }
        })
    });
    drop(file);
    let rkyv_file =
        std::fs::OpenOptions::new().read(true).write(true).open(d.path("rkyv")).unwrap();
    // SAFETY: the benchmark's own file, not changed by anyone else while mapped.
    let mut rkyv_map = unsafe { MmapMut::map_mut(&rkyv_file) }.unwrap();
    g.bench_function(BenchmarkId::new("rkyv_access_unchecked_mut", d.label), |b| {
        b.iter(|| {
            // SAFETY: written by this benchmark with rkyv.
            let root = unsafe { rkyv::access_unchecked_mut::<Archived>(black_box(&mut rkyv_map)) };
            rkyv::munge::munge!(let ArchivedHikingDatabase { hikes, .. } = root);
            let mut hikes = rkyv::vec::ArchivedVec::as_slice_seal(hikes);
            for i in 0..hikes.len() {
                let hike = hikes.as_mut().index(i);
                rkyv::munge::munge!(let ArchivedHike { gps_track, .. } = hike);
                let mut track = rkyv::vec::ArchivedVec::as_slice_seal(gps_track);
                for j in 0..track.len() {
                    let coord = track.as_mut().index(j);
                    rkyv::munge::munge!(let ArchivedCoord { mut z, .. } = coord);
                    *z = rkyv::rend::f64_le::from_native(z.to_native() + 1.0);
                }
            }
        })
    });
    g.finish();
}

/// Change one coordinate, then make that change durable.
fn update_and_flush(c: &mut Criterion, d: &Data) {
    // Write back what earlier cases left dirty (whole-filesystem journal commits
    // would otherwise be charged to whichever peer flushes first).
    let _ = std::process::Command::new("sync").status();
    let mut g = c.benchmark_group("update_and_flush");
    g.sample_size(20);
    let mut file = MappedFileMut::<HikingDatabase>::open(d.path("mmf")).unwrap();
    // Start from a clean file, as a long-lived file is: only the change is dirty.
    file.flush().unwrap();
    let middle = d.db.hikes.len() / 2;
    let target = file
        .range_of(&file.root().hikes().get(middle).unwrap().gps_track().try_as_slice().unwrap()[0])
        .unwrap();
    let z_at = target.start as usize + 16;
    let mut value = 0.0;
    g.bench_function(BenchmarkId::new("mmf_flush_range", d.label), |b| {
        b.iter(|| {
            value += 1.0;
            let mut root = file.root_mut();
            let mut hikes = root.hikes_mut();
            let mut hike = hikes.get_mut(middle).unwrap();
            hike.gps_track_mut().as_mut_slice()[0].z = value;
            file.flush_range(target.clone()).unwrap();
        })
    });
    drop(file);
    // The baselines change the same 8 bytes of a copy of the same file, written
    // the same way: how much a flush writes back depends on the page-cache folio
    // the bytes lie in, which depends on how the file was written.
    let raw_path = d.dir.join("raw-copy");
    std::fs::write(&raw_path, std::fs::read(d.path("mmf")).unwrap()).unwrap();
    let raw = std::fs::OpenOptions::new().read(true).write(true).open(&raw_path).unwrap();
    raw.sync_all().unwrap();
    // SAFETY: the benchmark's own scratch file.
    let mut raw_map = unsafe { MmapMut::map_mut(&raw) }.unwrap();
    g.bench_function(BenchmarkId::new("raw_msync", d.label), |b| {
        b.iter(|| {
            value += 1.0;
            raw_map[z_at..z_at + 8].copy_from_slice(&f64::to_ne_bytes(value));
            raw_map.flush_range(z_at, 8).unwrap();
        })
    });
    drop(raw_map);
    g.bench_function(BenchmarkId::new("raw_pwrite_fdatasync", d.label), |b| {
        use std::os::unix::fs::FileExt;
        b.iter(|| {
            value += 1.0;
            raw.write_at(&f64::to_ne_bytes(value), z_at as u64).unwrap();
            raw.sync_data().unwrap();
        })
    });
    g.finish();
}

/// Write the whole database to a new file (page cache; no fsync).
fn create(c: &mut Criterion, d: &Data) {
    let mut g = c.benchmark_group("create");
    let len = d.file_len("mmf");
    g.throughput(Throughput::Bytes(len)).sample_size(10);
    let out = d.dir.join("created");
    g.bench_function(BenchmarkId::new("mmf_create", d.label), |b| {
        b.iter(|| drop(MappedFileMut::create(&out, &d.db).unwrap()))
    });
    let image = std::fs::read(d.path("mmf")).unwrap();
    let mut target = vec![0u8; image.len()];
    g.bench_function(BenchmarkId::new("memcpy", d.label), |b| {
        b.iter(|| {
            target.copy_from_slice(black_box(&image));
            black_box(&target);
        })
    });
    g.bench_function(BenchmarkId::new("memcpy_into_fresh_mapping", d.label), |b| {
        b.iter(|| {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&out)
                .unwrap();
            file.set_len(image.len() as u64).unwrap();
            // SAFETY: the benchmark's own scratch file.
            let mut map = unsafe { MmapMut::map_mut(&file) }.unwrap();
            map.copy_from_slice(&image);
        })
    });
    g.bench_function(BenchmarkId::new("rkyv_to_bytes_write_all", d.label), |b| {
        b.iter(|| {
            let bytes = rkyv::to_bytes::<RkyvError>(&d.db).unwrap();
            File::create(&out).unwrap().write_all(&bytes).unwrap();
        })
    });
    g.bench_function(BenchmarkId::new("bincode_buffered_file", d.label), |b| {
        b.iter(|| {
            let mut file = BufWriter::new(File::create(&out).unwrap());
            bincode::encode_into_std_write(&d.db, &mut file, bincode::config::standard()).unwrap();
            file.flush().unwrap();
        })
    });
    g.finish();
}

/// Validation alone, in memory (no system calls): throughput over the image.
fn validate(c: &mut Criterion, d: &Data) {
    let mut g = c.benchmark_group("validate");
    let image = mmf::AlignedBytes::from_slice(&std::fs::read(d.path("mmf")).unwrap());
    let mut rkyv_image = rkyv::util::AlignedVec::<16>::new();
    rkyv_image.extend_from_slice(&std::fs::read(d.path("rkyv")).unwrap());
    g.sample_size(10);
    g.throughput(Throughput::Bytes(image.len() as u64));
    g.bench_function(BenchmarkId::new("mmf_from_bytes", d.label), |b| {
        b.iter(|| black_box(mmf::from_bytes::<HikingDatabase>(&image).unwrap().hikes().len()))
    });
    g.throughput(Throughput::Bytes(rkyv_image.len() as u64));
    g.bench_function(BenchmarkId::new("rkyv_access", d.label), |b| {
        b.iter(|| black_box(rkyv::access::<Archived, RkyvError>(&rkyv_image).unwrap().hikes.len()))
    });
    g.finish();
}

/// Records the file sizes and data shapes for the report.
fn record(d: &Data) {
    // The workspace's target directory, where criterion writes its results.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion/mmf-data.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut all: serde_json::Map<String, serde_json::Value> =
        std::fs::read(&path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    let sizes: serde_json::Map<_, _> = ["mmf", "rkyv", "bincode", "postcard", "json"]
        .iter()
        .map(|peer| (peer.to_string(), serde_json::Value::from(d.file_len(peer))))
        .collect();
    all.insert(
        d.label.to_string(),
        serde_json::json!({
            "hikes": d.db.hikes.len(),
            "points": d.points,
            "coord_bytes": d.coord_bytes(),
            "file_bytes": sizes,
        }),
    );
    std::fs::write(&path, serde_json::to_vec_pretty(&all).unwrap()).unwrap();
}

fn main() {
    const SIZES: [(&str, usize, usize); 3] =
        [("6MB", 100, 2_500), ("256MB", 1_000, 10_600), ("1GB", 4_000, 10_600)];
    // `MMF_BENCH_SIZES=6MB,1GB` picks sizes; `MMF_BENCH_LARGE=1` adds 1 GB to the default two.
    let wanted: Vec<String> = match std::env::var("MMF_BENCH_SIZES") {
        Ok(list) => list.split(',').map(|s| s.trim().to_owned()).collect(),
        Err(_) if std::env::var_os("MMF_BENCH_LARGE").is_some() => {
            vec!["6MB".into(), "256MB".into(), "1GB".into()]
        }
        Err(_) => vec!["6MB".to_owned(), "256MB".to_owned()],
    };
    let sizes: Vec<_> =
        SIZES.into_iter().filter(|(label, ..)| wanted.iter().any(|w| w == label)).collect();
    assert!(!sizes.is_empty(), "MMF_BENCH_SIZES names none of 6MB, 256MB, 1GB");
    let mut c = Criterion::default().configure_from_args();
    for (label, hikes, points) in sizes {
        let data = Data::new(label, hikes, points);
        assert_eq!(
            mmf_sum(MappedFile::<HikingDatabase>::open(data.path("mmf")).unwrap().root()),
            native_sum(&data.db)
        );
        record(&data);
        open_read_one(&mut c, &data);
        random_access(&mut c, &data);
        traverse(&mut c, &data);
        validate(&mut c, &data);
        create(&mut c, &data);
        update_and_flush(&mut c, &data);
        set_every_z(&mut c, &data);
        let _ = std::fs::remove_dir_all(&data.dir);
    }
    c.final_summary();
}
