//! The writer half of live sharing: records GPS points into a hiking database
//! and publishes a new version every 100 ms, while `shared_reader`s in other
//! terminals follow it.
//!
//! ```text
//! cargo run --release --example shared_writer [PATH] [SECONDS]
//! cargo run --release --example shared_reader [PATH] [SECONDS]   # in other terminals
//! ```
//!
//! Defaults: `hikes-live.mmf` in the system's temporary directory, 60 seconds.
//! A second writer on the same file is refused; stop this one (Ctrl-C, or even
//! `kill -9`) and start it again: it carries on from the last version.

mod common;

use std::error::Error;
use std::time::{Duration, Instant};

use common::{Coord, Hike, HikingDatabase, path_argument, seconds_argument};
use mmf::MapOptions;

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let path = path_argument();
    let seconds = seconds_argument()?;
    let options = MapOptions::new().timeout(Duration::from_secs(5));
    let mut writer = match options.open_shared_writer::<HikingDatabase>(&path) {
        Ok(writer) => {
            println!("continuing {} at generation {}", path.display(), writer.generation());
            writer
        }
        Err(mmf::Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            let empty =
                HikingDatabase { description: "Live tracks".into(), points: 0, hikes: vec![] };
            println!("creating {}", path.display());
            options.create_shared_writer(&path, &empty)?
        }
        Err(e) => return Err(e.into()),
    };

    // The writer keeps the database in memory and publishes it: each publish
    // writes only what changed (the new point's track, the hikes list, the root).
    let mut db = writer.to_owned();
    let start = Instant::now();
    let mut tick = 0u64;
    while start.elapsed() < Duration::from_secs(seconds) {
        if tick.is_multiple_of(50) {
            let n = db.hikes.len();
            db.hikes.push(Hike {
                date: format!("2026-11-{:02}", 1 + n % 30),
                description: format!("Live hike {n}"),
                gps_track: Vec::new(),
            });
        }
        let hike = db.hikes.last_mut().expect("a hike was just started");
        let t = hike.gps_track.len() as f64;
        hike.gps_track.push(Coord { x: t * 3.0, y: t * 2.0, z: 500.0 + (t * 0.1).sin() * 40.0 });
        db.points += 1;

        let started = Instant::now();
        let generation = writer.publish(&db)?;
        if tick.is_multiple_of(10) {
            println!(
                "generation {generation}: {} hikes, {} points; publish took {:?}, file {} KiB",
                db.hikes.len(),
                db.points,
                started.elapsed(),
                writer.file_len() / 1024
            );
        }
        // Every 500 versions, drop the old ones: readers move to the new file.
        if tick.is_multiple_of(500) && tick > 0 {
            writer.compact()?;
            println!("compacted to {} KiB", writer.file_len() / 1024);
        }
        tick += 1;
        std::thread::sleep(Duration::from_millis(100));
    }
    println!("done after {tick} versions");
    Ok(())
}
