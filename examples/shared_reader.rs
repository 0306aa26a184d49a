//! The reader half of live sharing: follows the hiking database that
//! `shared_writer` publishes, printing each new version it sees. Readers never
//! block the writer and never see a half-written version.
//!
//! ```text
//! cargo run --release --example shared_reader [PATH] [SECONDS]
//! ```
//!
//! Defaults: `hikes-live.mmf` in the system's temporary directory, 60 seconds.

mod common;

use std::error::Error;
use std::time::{Duration, Instant};

use common::{HikingDatabase, path_argument, seconds_argument};
use mmf::SharedReader;

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let path = path_argument();
    let seconds = seconds_argument()?;
    let start = Instant::now();
    let mut reader = loop {
        match SharedReader::<HikingDatabase>::open(&path) {
            Ok(reader) => break reader,
            Err(e) if start.elapsed() < Duration::from_secs(5) => {
                println!("waiting for the writer: {e}");
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => return Err(e.into()),
        }
    };

    let mut seen = u64::MAX;
    while start.elapsed() < Duration::from_secs(seconds) {
        let started = Instant::now();
        let line = reader.read(|db| {
            // Every version is whole: the points counted in the root agree
            // with the tracks, whatever the writer is doing meanwhile.
            let counted: usize = db.hikes().iter().map(|h| h.gps_track().len()).sum();
            assert_eq!(counted as u64, db.points(), "a torn version");
            let last = db.hikes().iter().next_back().map(|hike| {
                let point = hike.gps_track().iter().next_back().map_or(0.0, |p| p.z());
                format!(
                    "{}: {} points, now at {point:.1} m",
                    hike.description(),
                    hike.gps_track().len()
                )
            });
            format!(
                "{} hikes, {} points; {}",
                db.hikes().len(),
                db.points(),
                last.unwrap_or_default()
            )
        })?;
        if reader.generation() != seen {
            seen = reader.generation();
            println!("generation {seen} (read in {:?}): {line}", started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}
