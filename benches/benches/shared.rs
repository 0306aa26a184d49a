//! Sharing one file: what a reader's snapshot costs with and without a writer
//! publishing beside it, and what a publish costs for changes of different
//! sizes — against the usual answer, a lock around every access (an in-process
//! `Mutex`, or an OS file lock as cross-process programs use), with in-place
//! updates.
//!
//! ```text
//! cargo bench --bench shared
//! MMF_SHARED_POINTS=3000 cargo bench --bench shared   # points per hike (default 1000)
//! ```
//!
//! The database has 300 hikes; a read is a point query (one coordinate of one
//! hike, and the root's point counter). Writers run on a thread of their own,
//! publishing (or updating in place under the lock) as fast as they can.

use std::fs::File;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use memmap2::{Mmap, MmapMut};
use mmf::{Mapped, MappedFileMut, SharedReader, SharedWriter};

#[derive(Mapped, Clone, Debug, PartialEq)]
struct Coord {
    x: f64,
    y: f64,
    z: f64,
}

#[derive(Mapped, Clone, Debug, PartialEq)]
struct Hike {
    date: String,
    description: String,
    gps_track: Vec<Coord>,
}

#[derive(Mapped, Clone, Debug, PartialEq)]
struct HikingDatabase {
    description: String,
    points: u64,
    hikes: Vec<Hike>,
}

/// The same database as a later version of the program declares it: a
/// reader of it reads the files above as another version's.
mod later {
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
    }

    #[derive(Mapped, Clone, Debug, PartialEq)]
    pub struct HikingDatabase {
        pub description: String,
        pub points: u64,
        pub hikes: Vec<Hike>,
    }

    /// The point query, through the later program's views.
    pub fn query(db: HikingDatabaseView<'_>, i: usize) -> f64 {
        let hike = db.hikes().get(i % super::HIKES).expect("hike");
        let track = hike.gps_track();
        track.get(i % track.len()).expect("point").z() + db.points() as f64
    }
}

const HIKES: usize = 300;
/// Compact when a publishing writer's file grows past this.
const COMPACT_AT: u64 = 256 << 20;

fn database(points: usize) -> HikingDatabase {
    let hikes = (0..HIKES)
        .map(|i| Hike {
            date: format!("2024-06-{:02}", 1 + i % 28),
            description: format!("Tour {i}"),
            gps_track: (0..points)
                .map(|j| Coord { x: j as f64, y: i as f64, z: 500.0 + (j % 700) as f64 })
                .collect(),
        })
        .collect();
    HikingDatabase { description: "bench".into(), points: (HIKES * points) as u64, hikes }
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mmf-bench-shared-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

/// The point query every reader runs.
fn query(db: HikingDatabaseView<'_>, i: usize) -> f64 {
    let hike = db.hikes().get(i % HIKES).expect("hike");
    let track = hike.gps_track();
    track.get(i % track.len()).expect("point").z() + db.points() as f64
}

/// A thread that runs `step` until stopped.
struct Background {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<u64>>,
}

impl Background {
    fn start(mut step: impl FnMut(u64) + Send + 'static) -> Background {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut n = 0;
            while !flag.load(Ordering::Relaxed) {
                step(n);
                n += 1;
            }
            n
        });
        Background { stop, thread: Some(thread) }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let steps = self.thread.take().unwrap().join().expect("the writer thread");
        eprintln!("  (the writer made {steps} changes meanwhile)");
    }
}

/// A writer thread publishing a new point count as fast as it can.
fn publishing_writer(path: &Path, db: &HikingDatabase) -> Background {
    let mut writer = SharedWriter::<HikingDatabase>::open(path).expect("the shared writer");
    writer.sync_on_publish(false);
    let mut db = db.clone();
    Background::start(move |n| {
        db.points = n;
        writer.publish(&db).expect("publish");
        if writer.file_len() > COMPACT_AT {
            writer.compact().expect("compact");
        }
    })
}

/// The time `read` takes on `iters` new versions, each published (the
/// point counter changed) just before it runs; `read` is given the counter.
fn time_new_versions(
    iters: u64,
    writer: &mut SharedWriter<HikingDatabase>,
    value: &mut HikingDatabase,
    mut read: impl FnMut(usize),
) -> Duration {
    let mut spent = Duration::ZERO;
    for _ in 0..iters {
        value.points += 1;
        writer.publish(value).expect("publish");
        let start = Instant::now();
        read(value.points as usize);
        spent += start.elapsed();
        if writer.file_len() > COMPACT_AT {
            writer.compact().expect("compact");
        }
    }
    spent
}

fn bench_reads(c: &mut Criterion, db: &HikingDatabase) {
    let dir = temp_dir();
    let mut g = c.benchmark_group("shared_read");
    g.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));

    // mmf: SharedReader, which looks for a new version on every read.
    let path = dir.join("shared.mmf");
    drop(SharedWriter::create(&path, db).expect("create"));
    let mut reader = SharedReader::<HikingDatabase>::open(&path).expect("reader");
    for writing in [false, true] {
        let _writer = writing.then(|| publishing_writer(&path, db));
        let id = BenchmarkId::new("mmf_shared", if writing { "writer_running" } else { "idle" });
        g.bench_function(id, |b| {
            let mut i = 0;
            b.iter(|| {
                i += 7919;
                black_box(reader.read(|db| query(db, i)).expect("read"))
            })
        });
    }
    // The first read of each new version validates it.
    let mut writer = SharedWriter::<HikingDatabase>::open(&path).expect("the shared writer");
    writer.sync_on_publish(false);
    let mut value = db.clone();
    g.bench_function(BenchmarkId::new("mmf_shared", "new_version"), |b| {
        b.iter_custom(|iters| {
            time_new_versions(iters, &mut writer, &mut value, |points| {
                black_box(reader.read(|db| query(db, points)).expect("read"));
            })
        })
    });
    // The same, by a reader of the later program: each version is validated
    // by the schema it embeds, whose differences were resolved once.
    let mut later = SharedReader::<later::HikingDatabase>::open(&path).expect("later reader");
    assert!(later.is_other_version());
    g.bench_function(BenchmarkId::new("mmf_shared", "new_version_other_program"), |b| {
        b.iter_custom(|iters| {
            time_new_versions(iters, &mut writer, &mut value, |points| {
                black_box(later.read(|db| later::query(db, points)).expect("read"));
            })
        })
    });
    drop((reader, later, writer));

    // A `Mutex` around an in-place file, as threads of one process would share it.
    let path = dir.join("mutex.mmf");
    let file = Arc::new(Mutex::new(MappedFileMut::create(&path, db).expect("create")));
    for writing in [false, true] {
        let _writer = writing.then(|| {
            let file = file.clone();
            Background::start(move |n| file.lock().unwrap().root_mut().set_points(n))
        });
        let id = BenchmarkId::new("mutex", if writing { "writer_running" } else { "idle" });
        g.bench_function(id, |b| {
            let mut i = 0;
            b.iter(|| {
                i += 7919;
                black_box(query(file.lock().unwrap().root(), i))
            })
        });
    }
    drop(file);

    // An OS file lock around every access, as separate processes share a file
    // without mmf's versions: readers lock shared, the writer exclusive and
    // updates in place.
    let path = dir.join("flock.mmf");
    drop(MappedFileMut::create(&path, db).expect("create"));
    let lock_path = dir.join("flock.lock");
    let data = File::options().read(true).write(true).open(&path).expect("open");
    // SAFETY: the file is changed only by the writer below, while it holds the
    // exclusive lock; readers read it only while holding a shared one.
    let map = unsafe { Mmap::map(&data) }.expect("map");
    let reader_lock = File::create(&lock_path).expect("lock file");
    for writing in [false, true] {
        let _writer = writing.then(|| {
            // SAFETY: as above.
            let mut map = unsafe { MmapMut::map_mut(&data) }.expect("map");
            let lock = File::options().write(true).open(&lock_path).expect("lock file");
            let points = points_offset(&map);
            Background::start(move |n| {
                lock.lock().expect("lock");
                map[points..points + 8].copy_from_slice(&n.to_ne_bytes());
                lock.unlock().expect("unlock");
            })
        });
        let id = BenchmarkId::new("file_lock", if writing { "writer_running" } else { "idle" });
        g.bench_function(id, |b| {
            let mut i = 0;
            b.iter(|| {
                i += 7919;
                reader_lock.lock_shared().expect("lock");
                // SAFETY: the file was written by mmf for this type, and is
                // changed only under the exclusive lock, which we exclude.
                let db =
                    unsafe { mmf::from_bytes_unchecked::<HikingDatabase>(&map) }.expect("view");
                let value = query(db, i);
                reader_lock.unlock().expect("unlock");
                black_box(value)
            })
        });
    }
    g.finish();
}

/// Where the root's `points` field lies in a file mmf wrote.
fn points_offset(map: &[u8]) -> usize {
    let header = mmf::Header::read(map).expect("header");
    let mmf::Kind::Struct(fields) = HikingDatabase::LAYOUT.kind else { unreachable!() };
    let field = fields.iter().find(|f| f.name == "points").expect("the points field");
    header.root_offset as usize + field.offset
}

fn bench_publish(c: &mut Criterion, db: &HikingDatabase) {
    let dir = temp_dir();
    let mut g = c.benchmark_group("shared_publish");
    g.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    let points = db.hikes[0].gps_track.len();

    type Change = fn(&mut HikingDatabase, u64);
    let changes: [(&str, Change); 4] = [
        ("counter", |db, n| db.points = n),
        ("one_point", |db, n| {
            let track = &mut db.hikes[n as usize % HIKES].gps_track;
            let at = n as usize % track.len();
            track[at].z = n as f64;
        }),
        ("append_point", |db, n| {
            db.hikes[n as usize % HIKES].gps_track.push(Coord { x: 0.0, y: 0.0, z: n as f64 })
        }),
        ("every_point", |db, n| {
            db.hikes.iter_mut().flat_map(|h| &mut h.gps_track).for_each(|p| p.z = n as f64)
        }),
    ];
    for sync in [false, true] {
        for (name, change) in changes {
            if sync && name == "every_point" {
                continue;
            }
            let path = dir.join(format!("publish-{name}-{sync}.mmf"));
            let mut writer = SharedWriter::create(&path, db).expect("create");
            writer.sync_on_publish(sync);
            let mut value = db.clone();
            let group = if sync { "mmf_publish_synced" } else { "mmf_publish" };
            let mut n = 0;
            g.bench_function(BenchmarkId::new(group, name), |b| {
                b.iter_custom(|iters| {
                    let mut spent = Duration::ZERO;
                    for _ in 0..iters {
                        n += 1;
                        change(&mut value, n);
                        let start = Instant::now();
                        black_box(writer.publish(&value).expect("publish"));
                        spent += start.elapsed();
                        if writer.file_len() > COMPACT_AT {
                            writer.compact().expect("compact");
                        }
                    }
                    spent
                })
            });
            drop(writer);
            let _ = std::fs::remove_file(&path);
        }
    }

    // `set` writes the value and the lists on its path, comparing nothing.
    let path = dir.join("publish-set.mmf");
    let mut writer = SharedWriter::create(&path, db).expect("create");
    writer.sync_on_publish(false);
    let mut n = 0u64;
    for name in ["counter", "one_point"] {
        g.bench_function(BenchmarkId::new("mmf_set", name), |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    n += 1;
                    let start = Instant::now();
                    if name == "counter" {
                        writer.set("points", &n).expect("set");
                    } else {
                        let at = format!(
                            "hikes[{}].gps_track[{}].z",
                            n as usize % HIKES,
                            n as usize % points
                        );
                        writer.set(&at, &(n as f64)).expect("set");
                    }
                    spent += start.elapsed();
                    if writer.file_len() > COMPACT_AT {
                        writer.compact().expect("compact");
                    }
                }
                spent
            })
        });
    }
    drop(writer);

    // `update` copies the published version out first.
    let path = dir.join("publish-update.mmf");
    let mut writer = SharedWriter::create(&path, db).expect("create");
    writer.sync_on_publish(false);
    let mut n = 0;
    g.bench_function(BenchmarkId::new("mmf_update", "counter"), |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                n += 1;
                writer.update(|db| db.points = n).expect("update");
            }
            let spent = start.elapsed();
            if writer.file_len() > COMPACT_AT {
                writer.compact().expect("compact");
            }
            spent
        })
    });
    drop(writer);

    // The in-place peer: a store into the mapping, and with the page synced.
    let path = dir.join("in-place.mmf");
    let mut file = MappedFileMut::create(&path, db).expect("create");
    let mut n = 0;
    g.bench_function(BenchmarkId::new("in_place", "counter"), |b| {
        b.iter(|| {
            n += 1;
            file.root_mut().set_points(black_box(n));
        })
    });
    g.bench_function(BenchmarkId::new("in_place_synced", "counter"), |b| {
        b.iter(|| {
            n += 1;
            file.root_mut().set_points(black_box(n));
            let range = file
                .range_of(file.root().raw().expect("written by this program"))
                .expect("the root");
            file.flush_range(range).expect("flush");
        })
    });
    g.finish();
    eprintln!("  ({points} points per hike)");
}

fn main() {
    let points =
        std::env::var("MMF_SHARED_POINTS").ok().and_then(|p| p.parse().ok()).unwrap_or(1000);
    let db = database(points);
    let mut c = Criterion::default().configure_from_args();
    bench_reads(&mut c, &db);
    bench_publish(&mut c, &db);
    c.final_summary();
    let _ = std::fs::remove_dir_all(temp_dir());
}
