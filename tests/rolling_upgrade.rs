//! A rolling upgrade of a shared file: a reader process of the old program
//! keeps reading every version while a writer of the new program takes the
//! file over from the old program's writer and publishes in its own layout.
//!
//! In a test binary of its own, like `process.rs`: children are spawned here.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{child_report, child_test, spawn_piped, temp_dir};
use mmf::{Error, SharedReader, SharedWriter};

/// The program before the upgrade.
mod v1 {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Entry {
        pub text: String,
        pub at: u32,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Log {
        pub seq: u64,
        pub entries: Vec<Entry>,
    }

    impl Log {
        pub fn new(seq: u64) -> Log {
            let entry = |i| Entry { text: format!("entry {i}"), at: i as u32 * 10 };
            Log { seq, entries: (0..seq).map(entry).collect() }
        }
    }
}

/// The program after it: a field added to each entry and one to the log.
mod v2 {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Entry {
        pub text: String,
        pub at: u32,
        pub tags: Vec<String>,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Log {
        pub seq: u64,
        pub entries: Vec<Entry>,
        #[mmf(default = String::from("nobody"))]
        pub owner: String,
    }

    impl Log {
        pub fn new(seq: u64) -> Log {
            let entry = |i| Entry {
                text: format!("entry {i}"),
                at: i as u32 * 10,
                tags: vec!["new".into()],
            };
            Log { seq, entries: (0..seq).map(entry).collect(), owner: "Ana".into() }
        }
    }
}

/// Versions the old writer publishes, then the new one.
const OLD_LAST: u64 = 20;
const NEW_LAST: u64 = 40;

/// Whether a version, as the old program reads it, is the one its `seq` names.
fn old_view_is_whole(log: &v1::LogView<'_>) -> bool {
    let seq = log.seq();
    log.entries().len() as u64 == seq
        && log
            .entries()
            .iter()
            .enumerate()
            .all(|(i, e)| e.text() == format!("entry {i}") && u64::from(e.at()) == i as u64 * 10)
}

/// Creates `name` beside `file`: a signal to the other process.
fn signal(file: &Path, name: &str) {
    std::fs::write(file.with_extension(name), b"").unwrap();
}

/// Waits for the other process's signal `name`.
fn wait_for(file: &Path, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !file.with_extension(name).exists() {
        assert!(Instant::now() < deadline, "no `{name}` from the other process in 60 s");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Run by `old_readers_keep_reading_through_a_rolling_upgrade` in a child
/// process: reads with the old types until the new writer's last version.
#[test]
#[ignore = "the child half of old_readers_keep_reading_through_a_rolling_upgrade"]
fn child_reads_with_the_old_types() {
    let path = std::path::PathBuf::from(std::env::var("MMF_TEST_ROLLING_FILE").unwrap());
    let mut reader = SharedReader::<v1::Log>::open(&path).unwrap();
    signal(&path, "ready");
    let (mut versions, mut torn, mut old_layout, mut new_layout, mut last) = (0, 0, 0, 0, 0);
    let deadline = Instant::now() + Duration::from_secs(120);
    while last < NEW_LAST && Instant::now() < deadline {
        let (seq, whole) = reader.read(|log| (log.seq(), old_view_is_whole(&log))).unwrap();
        if seq != last {
            versions += 1;
            torn += u32::from(!whole);
            if reader.is_other_version() {
                new_layout += 1;
            } else {
                old_layout += 1;
            }
        }
        assert!(seq >= last, "version {seq} after {last}");
        if seq == OLD_LAST && last != OLD_LAST {
            signal(&path, "seen-old-last");
        }
        last = seq;
    }
    println!(
        "READER versions={versions} torn={torn} old_layout={old_layout} new_layout={new_layout} last={last}"
    );
}

#[test]
fn old_readers_keep_reading_through_a_rolling_upgrade() -> mmf::Result<()> {
    let tmp = temp_dir("rolling");
    let path = tmp.path().join("log.mmf");
    let mut old_writer = SharedWriter::create(&path, &v1::Log::new(1))?;
    old_writer.sync_on_publish(false);
    let mut child = spawn_piped(&mut child_test(
        "child_reads_with_the_old_types",
        "MMF_TEST_ROLLING_FILE",
        &path,
    ));
    // The writers' side; the old reader is stopped if it fails.
    let writers = (|| -> mmf::Result<()> {
        wait_for(&path, "ready");
        for seq in 2..=OLD_LAST {
            old_writer.publish(&v1::Log::new(seq))?;
        }
        wait_for(&path, "seen-old-last");
        drop(old_writer);

        // The new program's writer: plain `open` says how, `open_upgrading` takes over.
        let err = SharedWriter::<v2::Log>::open(&path).unwrap_err();
        assert!(matches!(err, Error::OtherVersion { .. }), "{err}");
        assert!(err.to_string().contains("open_upgrading"), "{err}");
        let mut new_reader = SharedReader::<v2::Log>::open(&path)?;
        assert!(new_reader.is_other_version());
        let mut writer = SharedWriter::<v2::Log>::open_upgrading(&path)?;
        writer.sync_on_publish(false);
        let upgraded = writer.to_owned();
        assert_eq!(upgraded.seq, OLD_LAST);
        assert_eq!((upgraded.owner.as_str(), upgraded.entries[3].at), ("nobody", 30));
        for seq in OLD_LAST + 1..=NEW_LAST {
            writer.publish(&v2::Log::new(seq))?;
            let log = new_reader.latest()?;
            assert_eq!((log.seq(), log.owner()), (seq, "Ana"));
        }
        assert!(!new_reader.is_other_version(), "the file is now the new program's own");
        // Opening it again takes the usual path: nothing left to upgrade.
        let generation = writer.generation();
        drop(writer);
        let writer = SharedWriter::<v2::Log>::open_upgrading(&path)?;
        assert_eq!(writer.generation(), generation, "not rewritten");
        Ok(())
    })();
    if let Err(e) = writers {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    let output = child.wait_with_output().expect("the old reader's report");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let report = child_report(&stdout, "READER ").expect("the old reader's report");
    let field = |name: &str| -> u64 {
        report
            .split(' ')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
            .unwrap_or_else(|| panic!("no `{name}` in {report}"))
    };
    assert_eq!(field("torn"), 0, "{report}");
    assert_eq!(field("last"), NEW_LAST, "{report}");
    assert!(field("old_layout") >= 1 && field("new_layout") >= 1, "{report}");
    Ok(())
}
