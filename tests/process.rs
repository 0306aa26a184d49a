//! A second process reads a file the first wrote.
//!
//! In a test binary of its own: a child is spawned by fork and exec, and until
//! the exec the child holds copies of every open file of the parent — with their
//! locks. Tests that open files beside it could see a lock held for that moment.

mod common;

use common::*;
use mmf::{MappedFile, MappedFileMut};

/// Run by `a_second_process_reads_the_file` in a child process.
#[test]
#[ignore = "the child half of a_second_process_reads_the_file"]
fn child_reads_and_reports() {
    let path = std::env::var("MMF_TEST_CHILD_FILE").expect("set by the parent test");
    let file = MappedFile::<HikingDatabase>::open(path).unwrap();
    let root = file.root();
    let points: usize = root.hikes().iter().map(|h| h.gps_track().len()).sum();
    let z = root.hikes().get(2).unwrap().gps_track().get(5).unwrap().z();
    println!(
        "CHILD hikes={} points={points} z={z} date={}",
        root.hikes().len(),
        root.hikes().get(2).unwrap().date()
    );
}

#[test]
fn a_second_process_reads_the_file() -> mmf::Result<()> {
    let tmp = temp_dir("process");
    let dir = tmp.path();
    let path = dir.join("shared.mmf");
    let mut db = database(4, 30);
    db.hikes[2].gps_track[5].z = 1234.5;
    drop(MappedFileMut::create(&path, &db)?);
    // Our own reader holds a shared lock; another reader may still open the file.
    let reader = MappedFile::<HikingDatabase>::open(&path)?;

    let output = run_child_test("child_reads_and_reports", "MMF_TEST_CHILD_FILE", &path);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = child_report(&stdout, "CHILD ").expect("the child's report");
    assert_eq!(line, format!("hikes=4 points=120 z=1234.5 date={}", db.hikes[2].date));
    drop(reader);
    Ok(())
}
