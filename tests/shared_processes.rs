//! Shared files across processes: writers killed with SIGKILL in the middle of
//! publishing and compacting, and readers in other processes checking every
//! snapshot of a writer's 100,000 updates.
//!
//! In a test binary of its own, like `process.rs`: children are spawned here.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use mmf::{Mapped, MappedFile, SharedReader, SharedWriter};

/// One published version of the crash test: a checksum over everything else.
#[derive(Mapped, Debug, Clone, PartialEq)]
struct Version {
    seq: u64,
    note: String,
    payload: Vec<u64>,
    tracks: Vec<Vec<Coord>>,
    checksum: u64,
}

impl Version {
    fn new(seq: u64) -> Version {
        let mut rng = Rng(seq.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let payload = (0..rng.below(3000)).map(|_| rng.next()).collect();
        let tracks = (0..rng.below(8))
            .map(|t| (0..rng.below(200)).map(|j| coord(t * 1000 + j)).collect())
            .collect();
        let mut version =
            Version { seq, note: format!("version {seq}"), payload, tracks, checksum: 0 };
        version.checksum = version.sum();
        version
    }

    /// FNV-1a over the fields, as read through a view.
    fn check(view: &VersionView<'_>) -> Result<u64, String> {
        let seq = view.seq();
        let expected = Version::new(seq);
        let found = view.to_owned();
        if found.sum() != view.checksum() || found != expected {
            return Err(format!("version {seq} does not match its checksum"));
        }
        Ok(seq)
    }

    fn sum(&self) -> u64 {
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        let mut add = |word: u64| {
            for byte in word.to_le_bytes() {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
            }
        };
        add(self.seq);
        self.note.bytes().for_each(|b| add(u64::from(b)));
        self.payload.iter().for_each(|&w| add(w));
        for track in &self.tracks {
            add(track.len() as u64);
            track.iter().for_each(|c| add(c.x.to_bits() ^ c.y.to_bits() ^ c.z.to_bits()));
        }
        hash
    }
}

/// Run by `killed_writers_leave_a_published_version` in a child process:
/// publishes versions (compacting now and then) until it is killed.
#[test]
#[ignore = "the child half of killed_writers_leave_a_published_version"]
fn child_publishes_until_killed() {
    let path = std::env::var("MMF_TEST_CRASH_FILE").expect("set by the parent test");
    let mut writer = SharedWriter::<Version>::open_blocking(&path).unwrap();
    let sync = std::env::var("MMF_TEST_CRASH_SYNC").is_ok();
    writer.sync_on_publish(sync);
    let mut seq = writer.root().seq();
    println!("WRITING from version {seq}");
    std::io::Write::flush(&mut std::io::stdout()).unwrap();
    loop {
        seq += 1;
        writer.publish(&Version::new(seq)).unwrap();
        if seq.is_multiple_of(97) {
            writer.compact().unwrap();
        }
    }
}

#[test]
fn killed_writers_leave_a_published_version() -> mmf::Result<()> {
    let kills: u32 =
        std::env::var("MMF_CRASH_KILLS").ok().and_then(|n| n.parse().ok()).unwrap_or(200);
    let tmp = temp_dir("crash");
    let dir = tmp.path();
    let path = dir.join("versions.mmf");
    drop(SharedWriter::create(&path, &Version::new(0))?);
    let mut rng = Rng(0x5eed);
    let mut last = 0;
    let mut advanced = 0;
    for kill in 0..kills {
        let mut command = child_test("child_publishes_until_killed", "MMF_TEST_CRASH_FILE", &path);
        if kill % 4 == 0 {
            command.env("MMF_TEST_CRASH_SYNC", "1");
        }
        let mut child = spawn_piped(&mut command);
        // Kill it a random time after it starts publishing, however long it
        // took to start.
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let started =
            std::io::BufRead::lines(stdout).any(|line| line.is_ok_and(|l| l.contains("WRITING")));
        assert!(started, "the writer ended before publishing: {:?}", child.wait_with_output());
        std::thread::sleep(Duration::from_micros(rng.below(10_000) as u64));
        if let Ok(Some(status)) = child.try_wait() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            panic!("the writer stopped by itself ({status}): {stderr}");
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");

        let file = MappedFile::<Version>::open(&path)
            .unwrap_or_else(|e| panic!("after kill {kill}, the file does not open: {e}"));
        let seq = Version::check(&file.root()).unwrap_or_else(|e| panic!("after kill {kill}: {e}"));
        assert!(seq >= last, "after kill {kill}, version {seq} follows version {last}");
        advanced += u32::from(seq > last);
        last = seq;
    }
    println!("{kills} kills, {last} versions published, progress between {advanced} kills");
    assert!(advanced > kills / 2, "writers were mostly killed before publishing: {advanced}");
    Ok(())
}

/// The record of the concurrency test: every field follows from `seq`.
#[derive(Mapped, Debug, Clone, PartialEq)]
struct Tick {
    a: u64,
    b: u64,
    seq: u64,
    samples: [u32; 6],
    label: String,
}

const UPDATES: u64 = 100_000;

impl Tick {
    fn new(seq: u64) -> Tick {
        Tick {
            a: seq,
            b: !seq,
            seq,
            samples: [seq as u32; 6],
            label: format!("tick {}", seq / 1000),
        }
    }

    fn consistent(view: &TickView<'_>) -> bool {
        let seq = view.seq();
        view.a() == seq
            && view.b() == !seq
            && view.samples().iter().all(|s| s == seq as u32)
            && view.label() == format!("tick {}", seq / 1000)
    }
}

/// Run by `readers_in_other_processes_never_see_a_torn_update` in two child
/// processes: read snapshots until the last update, checking each.
#[test]
#[ignore = "the child half of readers_in_other_processes_never_see_a_torn_update"]
fn child_checks_every_snapshot() {
    let path = std::env::var("MMF_TEST_TICK_FILE").expect("set by the parent test");
    let mut reader = SharedReader::<Tick>::open(&path).unwrap();
    std::fs::write(format!("{path}.ready-{}", std::process::id()), b"").unwrap();
    let (mut snapshots, mut torn, mut distinct, mut last) = (0u64, 0u64, 0u64, 0u64);
    let deadline = Instant::now() + Duration::from_secs(120);
    while last < UPDATES && Instant::now() < deadline {
        let (seq, ok) = reader
            .read(|tick| {
                let first = Tick::consistent(&tick);
                // The version stays put while borrowed, whatever the writer does.
                std::hint::black_box(0..100).for_each(drop);
                (tick.seq(), first && Tick::consistent(&tick))
            })
            .unwrap();
        snapshots += 1;
        torn += u64::from(!ok);
        assert!(seq >= last, "version {seq} after {last}");
        distinct += u64::from(seq != last);
        last = seq;
    }
    println!("READER snapshots={snapshots} distinct={distinct} torn={torn} last={last}");
}

#[test]
fn readers_in_other_processes_never_see_a_torn_update() -> mmf::Result<()> {
    let tmp = temp_dir("torn");
    let dir = tmp.path();
    let path = dir.join("tick.mmf");
    let mut writer = SharedWriter::create(&path, &Tick::new(0))?;
    writer.sync_on_publish(false);
    let children: Vec<_> = (0..2)
        .map(|_| {
            spawn_piped(&mut child_test("child_checks_every_snapshot", "MMF_TEST_TICK_FILE", &path))
        })
        .collect();
    wait_for_readers(dir, 2);

    for seq in 1..=UPDATES {
        writer.publish(&Tick::new(seq))?;
        if seq.is_multiple_of(20_000) {
            writer.compact()?;
        }
        if seq.is_multiple_of(500) {
            // Let the readers run on a machine with fewer cores than processes.
            std::thread::yield_now();
        }
    }
    for child in children {
        let (_, report) = finished_report(child, "READER ");
        let field = |name: &str| report_field(&report, name);
        assert_eq!(field("torn"), 0, "{report}");
        assert_eq!(field("last"), UPDATES, "{report}");
        // How many versions a reader sees depends on the scheduler; a handful
        // already shows readers and writer ran side by side.
        assert!(field("distinct") >= 10, "the reader saw too few versions to tell: {report}");
    }
    Ok(())
}

/// Waits for a child test to finish successfully, and returns what it printed
/// and its report: the line after `tag`.
fn finished_report(child: std::process::Child, tag: &str) -> (String, String) {
    let output = child.wait_with_output().expect("a child's report");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let report = child_report(&stdout, tag).expect("the child's report").to_owned();
    println!("{report}");
    (stdout, report)
}

/// The number after `name=` in a report of `name=value` words.
fn report_field(report: &str, name: &str) -> u64 {
    report
        .split(' ')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
        .unwrap_or_else(|| panic!("no `{name}` in the report: {report}"))
}

fn wait_for_readers(dir: &Path, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".ready-"))
            .count();
        if ready >= count {
            return;
        }
        assert!(Instant::now() < deadline, "the readers did not start");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A version of the open-while-replaced test: the payload doubles with every
/// publish, so the file grows at nearly every one.
#[derive(Mapped, Debug, Clone, PartialEq)]
struct Growing {
    round: u64,
    seq: u64,
    payload: Vec<u64>,
    label: String,
}

/// Publishes per file: payloads of 8 to 8 << (PUBLISHES - 1) words.
const PUBLISHES: u64 = 10;

/// Fresh opens each reader makes before the writer may stop.
const FRESH_OPENS: u64 = 2000;

/// Files the writer creates at least.
const ROUNDS: u64 = 200;

impl Growing {
    fn new(round: u64, seq: u64) -> Growing {
        let len = 8usize << seq;
        let payload = (0..len as u64).map(|i| round.wrapping_mul(0x9e37_79b9) ^ (seq << 40) ^ i);
        Growing {
            round,
            seq,
            payload: payload.collect(),
            label: format!("round {round} seq {seq}"),
        }
    }

    fn check(view: &GrowingView<'_>) -> Result<(u64, u64), String> {
        let (round, seq) = (view.round(), view.seq());
        if seq >= PUBLISHES || view.to_owned() != Growing::new(round, seq) {
            return Err(format!("round {round} version {seq} is not what was published"));
        }
        Ok((round, seq))
    }
}

fn round_path(dir: &Path, round: u64) -> std::path::PathBuf {
    dir.join(format!("round-{round}.mmf"))
}

/// Run by `opening_never_fails_while_a_writer_creates_grows_and_compacts` in
/// two child processes: opens the newest file again and again (a shared reader
/// and a read-only mapping each time) and keeps one long-lived reader,
/// checking every version seen, until the writer says it is done.
#[test]
#[ignore = "the child half of opening_never_fails_while_a_writer_creates_grows_and_compacts"]
fn child_opens_again_and_again() {
    let dir =
        std::path::PathBuf::from(std::env::var("MMF_TEST_OPEN_DIR").expect("set by the parent"));
    let (mut fresh, mut missing, mut refreshes, mut torn) = (0u64, 0u64, 0u64, 0u64);
    let mut errors = Vec::new();
    let mut round = 0;
    let mut long_lived: Option<SharedReader<Growing>> = None;
    let deadline = Instant::now() + Duration::from_secs(120);
    let note =
        |what: &str, e: mmf::Error, errors: &mut Vec<String>| errors.push(format!("{what}: {e}"));
    while !dir.join("done").exists() && Instant::now() < deadline {
        if round_path(&dir, round + 1).exists() {
            round += 1;
        }
        let path = round_path(&dir, round);
        match SharedReader::<Growing>::open(&path) {
            Ok(mut reader) => {
                fresh += 1;
                torn += u64::from(reader.read(|v| Growing::check(&v)).unwrap().is_err());
                if long_lived.as_ref().is_none_or(|r| r.path() != path) {
                    long_lived = Some(reader);
                }
            }
            // Not created yet: the writer is about to.
            Err(mmf::Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                missing += 1;
            }
            Err(e) => note("a new shared reader", e, &mut errors),
        }
        match MappedFile::<Growing>::open(&path) {
            Ok(file) => torn += u64::from(Growing::check(&file.root()).is_err()),
            Err(mmf::Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            }
            Err(e) => note("a new mapping", e, &mut errors),
        }
        if let Some(reader) = &mut long_lived {
            match reader.read(|v| Growing::check(&v)) {
                Ok(checked) => torn += u64::from(checked.is_err()),
                Err(e) => note("a long-lived reader", e, &mut errors),
            }
            refreshes += 1;
        }
        if fresh == FRESH_OPENS {
            std::fs::write(dir.join(format!("enough-{}", std::process::id())), b"").unwrap();
        }
    }
    for e in errors.iter().take(5) {
        println!("ERROR {e}");
    }
    println!(
        "OPENER fresh={fresh} missing={missing} refreshes={refreshes} torn={torn} errors={} round={round}",
        errors.len()
    );
}

#[test]
fn opening_never_fails_while_a_writer_creates_grows_and_compacts() -> mmf::Result<()> {
    let tmp = temp_dir("open-race");
    let dir = tmp.path();
    let children: Vec<_> = (0..2)
        .map(|_| {
            spawn_piped(&mut child_test("child_opens_again_and_again", "MMF_TEST_OPEN_DIR", dir))
        })
        .collect();

    let deadline = Instant::now() + Duration::from_secs(90);
    let mut round = 0;
    loop {
        let mut writer = SharedWriter::create(round_path(dir, round), &Growing::new(round, 0))?;
        writer.sync_on_publish(false);
        for seq in 1..PUBLISHES {
            writer.publish(&Growing::new(round, seq))?;
            std::thread::yield_now();
        }
        writer.compact()?;
        drop(writer);
        let enough = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("enough-"))
            .count();
        if (enough == 2 && round + 1 >= ROUNDS) || Instant::now() > deadline {
            break;
        }
        round += 1;
    }
    std::fs::write(dir.join("done"), b"").unwrap();
    println!("{} files created", round + 1);
    for child in children {
        let (stdout, report) = finished_report(child, "OPENER ");
        let field = |name: &str| report_field(&report, name);
        assert_eq!(field("errors"), 0, "{stdout}");
        assert_eq!(field("torn"), 0, "{stdout}");
        assert!(field("fresh") >= FRESH_OPENS, "too few opens to tell: {report}");
    }
    Ok(())
}
