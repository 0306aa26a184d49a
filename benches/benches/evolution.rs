//! Reading a file written by an older version of the program's types
//! (schema evolution), against reading the program's own file, and against
//! FlatBuffers, whose tables pay for evolution on every access (a vtable
//! lookup per field).
//!
//! ```text
//! cargo bench --bench evolution                         # 6 MB
//! MMF_BENCH_SIZES=6MB,256MB cargo bench --bench evolution
//! cargo run --release -p mmf-benches --bin bench_report  # into BENCHMARKS.md
//! ```
//!
//! The program's types are `new::*`: `Coord` gained a `t` and `Hike` a
//! `country` since `old::*` wrote its file. So the old file's coordinates
//! are 24 bytes apart where the program's are 32, and its hikes lack a field:
//! every list and struct on the way to a coordinate reads through the
//! differences resolved at open. Peers, each summing what it reads:
//! - `exact`: the new program reading a file it wrote;
//! - `evolved`: the new program reading the old program's file;
//! - `flatbuffers`: the same database as FlatBuffers tables (the `flatbuffers`
//!   crate's builder and `Table`, the code `flatc` generates around them).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use flatbuffers::{FlatBufferBuilder, ForwardsUOffset, Table, Vector};
use mmf::MappedFile;

mod old {
    use mmf::Mapped;

    #[derive(Mapped, Clone, Debug, PartialEq)]
    pub struct Coord {
        pub x: f64,
        pub y: f64,
        pub z: f64,
    }

    #[derive(Mapped, Clone, Debug, PartialEq)]
    pub struct Hike {
        pub date: String,
        pub description: String,
        pub gps_track: Vec<Coord>,
    }

    #[derive(Mapped, Clone, Debug, PartialEq)]
    pub struct HikingDatabase {
        pub description: String,
        pub hikes: Vec<Hike>,
    }
}

mod new {
    use mmf::Mapped;

    #[derive(Mapped, Clone, Debug, PartialEq)]
    pub struct Coord {
        pub x: f64,
        pub y: f64,
        pub z: f64,
        /// Added: seconds since the start of the hike.
        pub t: u64,
    }

    #[derive(Mapped, Clone, Debug, PartialEq)]
    pub struct Hike {
        pub date: String,
        pub description: String,
        pub gps_track: Vec<Coord>,
        /// Added, with a default for older files.
        #[mmf(default = String::from("CH"))]
        pub country: String,
    }

    #[derive(Mapped, Clone, Debug, PartialEq)]
    pub struct HikingDatabase {
        pub description: String,
        pub hikes: Vec<Hike>,
    }
}

fn coord(i: usize, j: usize) -> old::Coord {
    let (i, j) = (i as f64, j as f64);
    old::Coord { x: i + j * 0.5, y: i - j * 0.25, z: 400.0 + (j % 97.0) }
}

fn build(hikes: usize, points: usize) -> old::HikingDatabase {
    let hikes = (0..hikes)
        .map(|i| old::Hike {
            date: format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
            description: format!("Hike {} in the Alps", i + 1),
            gps_track: (0..points).map(|j| coord(i, j)).collect(),
        })
        .collect();
    old::HikingDatabase { description: "Hikes".into(), hikes }
}

fn upgraded(db: &old::HikingDatabase) -> new::HikingDatabase {
    let hike = |h: &old::Hike| new::Hike {
        date: h.date.clone(),
        description: h.description.clone(),
        gps_track: h
            .gps_track
            .iter()
            .map(|c| new::Coord { x: c.x, y: c.y, z: c.z, t: 0 })
            .collect(),
        country: "CH".into(),
    };
    new::HikingDatabase {
        description: db.description.clone(),
        hikes: db.hikes.iter().map(hike).collect(),
    }
}

// The FlatBuffers schema these slots follow:
//   table Coord { x: double; y: double; z: double; t: ulong; }
//   table Hike { date: string; description: string; gps_track: [Coord]; country: string; }
//   table HikingDatabase { description: string; hikes: [Hike]; }
// Slot `n`'s vtable entry is at byte 4 + 2n.
const COORD_X: u16 = 4;
const COORD_Y: u16 = 6;
const COORD_Z: u16 = 8;
const HIKE_DATE: u16 = 4;
const HIKE_DESCRIPTION: u16 = 6;
const HIKE_GPS_TRACK: u16 = 8;
const DB_DESCRIPTION: u16 = 4;
const DB_HIKES: u16 = 6;

type Tables<'a> = Vector<'a, ForwardsUOffset<Table<'a>>>;

/// The old database as FlatBuffers tables (a table per coordinate, as a
/// type that may change must be: FlatBuffers' structs cannot).
fn flatbuffer(db: &old::HikingDatabase) -> Vec<u8> {
    let mut fbb = FlatBufferBuilder::with_capacity(64 << 20);
    let hikes: Vec<_> = db
        .hikes
        .iter()
        .map(|h| {
            let coords: Vec<_> = h
                .gps_track
                .iter()
                .map(|c| {
                    let start = fbb.start_table();
                    fbb.push_slot::<f64>(COORD_X, c.x, 0.0);
                    fbb.push_slot::<f64>(COORD_Y, c.y, 0.0);
                    fbb.push_slot::<f64>(COORD_Z, c.z, 0.0);
                    fbb.end_table(start)
                })
                .collect();
            let track = fbb.create_vector(&coords);
            let date = fbb.create_string(&h.date);
            let description = fbb.create_string(&h.description);
            let start = fbb.start_table();
            fbb.push_slot_always(HIKE_DATE, date);
            fbb.push_slot_always(HIKE_DESCRIPTION, description);
            fbb.push_slot_always(HIKE_GPS_TRACK, track);
            fbb.end_table(start)
        })
        .collect();
    let hikes = fbb.create_vector(&hikes);
    let description = fbb.create_string(&db.description);
    let start = fbb.start_table();
    fbb.push_slot_always(DB_DESCRIPTION, description);
    fbb.push_slot_always(DB_HIKES, hikes);
    let root = fbb.end_table(start);
    fbb.finish_minimal(root);
    fbb.finished_data().to_vec()
}

/// The root table of a buffer `flatbuffer` built.
fn fb_root(buf: &[u8]) -> Table<'_> {
    // SAFETY: `buf` was built by `flatbuffer` just now, and starts with the
    // offset of its root table.
    unsafe { flatbuffers::root_unchecked::<Table<'_>>(buf) }
}

/// # Safety
///
/// `table` must be a `Hike` or a `HikingDatabase` of `flatbuffer`'s schema,
/// and `slot` a vector of tables in it.
unsafe fn fb_tables<'a>(table: Table<'a>, slot: u16) -> Tables<'a> {
    // SAFETY: the caller's promise.
    unsafe { table.get::<ForwardsUOffset<Tables<'a>>>(slot, None) }.unwrap()
}

/// # Safety
///
/// `coord` must be a `Coord` table of `flatbuffer`'s schema.
unsafe fn fb_f64(coord: Table<'_>, slot: u16) -> f64 {
    // SAFETY: the caller's promise; every slot of `Coord` but `t` is a double.
    unsafe { coord.get::<f64>(slot, Some(0.0)) }.unwrap()
}

fn fb_sum(root: Table<'_>) -> f64 {
    let mut sum = 0.0;
    // SAFETY: `root` is a `HikingDatabase` built by `flatbuffer`.
    for hike in unsafe { fb_tables(root, DB_HIKES) } {
        // SAFETY: as above, a `Hike`, whose `Coord`s follow.
        for c in unsafe { fb_tables(hike, HIKE_GPS_TRACK) } {
            // SAFETY: `c` is a `Coord`.
            sum += unsafe { fb_f64(c, COORD_X) + fb_f64(c, COORD_Y) + fb_f64(c, COORD_Z) };
        }
    }
    sum
}

fn fb_z(root: Table<'_>, i: usize, j: usize) -> f64 {
    // SAFETY: `root` is a `HikingDatabase` built by `flatbuffer`.
    unsafe {
        let hike = fb_tables(root, DB_HIKES).get(i);
        fb_f64(fb_tables(hike, HIKE_GPS_TRACK).get(j), COORD_Z)
    }
}

fn mmf_sum(root: new::HikingDatabaseView<'_>) -> f64 {
    let mut sum = 0.0;
    for hike in root.hikes() {
        for c in hike.gps_track() {
            sum += c.x() + c.y() + c.z();
        }
    }
    sum
}

fn mmf_z(root: new::HikingDatabaseView<'_>, i: usize, j: usize) -> f64 {
    root.hikes().get(i).unwrap().gps_track().get(j).unwrap().z()
}

fn main() {
    const SIZES: [(&str, usize, usize); 2] = [("6MB", 100, 2_500), ("256MB", 1_000, 10_600)];
    let wanted = std::env::var("MMF_BENCH_SIZES").unwrap_or_else(|_| "6MB".into());
    let mut c = Criterion::default().configure_from_args();
    for (label, hikes, points) in SIZES {
        if !wanted.split(',').any(|w| w.trim() == label) {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let (exact_path, evolved_path) = (dir.path().join("exact.mmf"), dir.path().join("old.mmf"));
        let old_db = build(hikes, points);
        let new_db = upgraded(&old_db);
        drop(mmf::MappedFileMut::create(&exact_path, &new_db).unwrap());
        drop(mmf::MappedFileMut::create(&evolved_path, &old_db).unwrap());
        let fb = flatbuffer(&old_db);
        drop(new_db);

        let exact = MappedFile::<new::HikingDatabase>::open(&exact_path).unwrap();
        let evolved = MappedFile::<new::HikingDatabase>::open(&evolved_path).unwrap();
        assert!(!exact.is_other_version() && evolved.is_other_version());
        let fb_root = fb_root(&fb);
        let expected: f64 =
            old_db.hikes.iter().flat_map(|h| &h.gps_track).map(|c| c.x + c.y + c.z).sum();
        for sum in [mmf_sum(exact.root()), mmf_sum(evolved.root()), fb_sum(fb_root)] {
            assert_eq!(sum, expected);
        }
        assert_eq!(evolved.root().hikes().get(1).unwrap().country(), "CH");

        // Random `(hike, point)` pairs: xorshift64*, the same in every run.
        let mut state = 42u64;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d) as usize
        };
        let picks: Vec<(usize, usize)> =
            (0..1024).map(|_| (next() % hikes, next() % points)).collect();

        let mut g = c.benchmark_group("evolved_random_access");
        g.throughput(Throughput::Elements(picks.len() as u64));
        for (peer, file) in [("exact", &exact), ("evolved", &evolved)] {
            let root = file.root();
            g.bench_function(BenchmarkId::new(peer, label), |b| {
                b.iter(|| picks.iter().map(|&(i, j)| mmf_z(black_box(root), i, j)).sum::<f64>())
            });
        }
        g.bench_function(BenchmarkId::new("flatbuffers", label), |b| {
            b.iter(|| picks.iter().map(|&(i, j)| fb_z(black_box(fb_root), i, j)).sum::<f64>())
        });
        g.finish();

        let mut g = c.benchmark_group("evolved_traverse");
        g.throughput(Throughput::Bytes((hikes * points * 24) as u64)).sample_size(10);
        for (peer, file) in [("exact", &exact), ("evolved", &evolved)] {
            g.bench_function(BenchmarkId::new(peer, label), |b| {
                b.iter(|| black_box(mmf_sum(file.root())))
            });
        }
        g.bench_function(BenchmarkId::new("flatbuffers", label), |b| {
            b.iter(|| black_box(fb_sum(fb_root)))
        });
        g.finish();
    }
    c.final_summary();
}
