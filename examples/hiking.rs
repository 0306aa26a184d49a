//! The main job: write a hiking database of GPS tracks to a memory-mapped file,
//! reopen it, read it in place, update one coordinate in place, and reopen it
//! again to show the change.
//!
//! ```text
//! cargo run --release --example hiking [HIKES] [POINTS_PER_HIKE] [PATH]
//! ```
//!
//! Defaults: 300 hikes of 3000 points each, written to `hikes.mmf` in the
//! system's temporary directory.

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use mmf::{Mapped, MappedFile, MappedFileMut};

/// A point of a GPS track: metres east and north of the start, metres above sea level.
#[derive(Mapped, Debug, Clone, PartialEq)]
#[mmf(frozen)]
struct Coord {
    x: f64,
    y: f64,
    z: f64,
}

#[derive(Mapped, Debug, Clone, PartialEq)]
struct Hike {
    date: String,
    description: String,
    gps_track: Vec<Coord>,
}

#[derive(Mapped, Debug, Clone, PartialEq)]
struct HikingDatabase {
    description: String,
    hikes: Vec<Hike>,
}

/// A small deterministic generator (xorshift64*), so every run builds the same database.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `[-1, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

const PLACES: [&str; 6] = ["Säntis", "Pilatus", "Rigi", "Niesen", "Napf", "Chasseral"];

fn build(hikes: usize, points: usize) -> HikingDatabase {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let hikes = (0..hikes)
        .map(|i| {
            let (mut x, mut y, mut z) = (0.0, 0.0, 400.0 + 50.0 * (i % 20) as f64);
            let gps_track = (0..points)
                .map(|_| {
                    x += 5.0 * rng.unit();
                    y += 5.0 * rng.unit();
                    z = (z + 2.0 * rng.unit()).max(190.0);
                    Coord { x, y, z }
                })
                .collect();
            Hike {
                date: format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
                description: format!("Hike {} up the {}", i + 1, PLACES[i % PLACES.len()]),
                gps_track,
            }
        })
        .collect();
    HikingDatabase { description: "Hikes in the Swiss Alps and Prealps".into(), hikes }
}

/// The length of a track in metres, read straight from the mapping.
fn distance(track: &[CoordRaw]) -> f64 {
    track
        .windows(2)
        .map(|w| {
            ((w[1].x - w[0].x).powi(2) + (w[1].y - w[0].y).powi(2) + (w[1].z - w[0].z).powi(2))
                .sqrt()
        })
        .sum()
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let hikes: usize = args.next().map_or(Ok(300), |a| a.parse())?;
    let points: usize = args.next().map_or(Ok(3000), |a| a.parse())?;
    let path = args.next().map_or_else(|| std::env::temp_dir().join("hikes.mmf"), PathBuf::from);
    if hikes < 4 || points < 8 {
        return Err(
            "use at least 4 hikes of 8 points (the example updates hikes[3].gps_track[7])".into()
        );
    }

    let db = build(hikes, points);
    let start = Instant::now();
    let file = MappedFileMut::create(&path, &db)?;
    file.flush()?;
    let written = start.elapsed();
    drop(file);
    println!("wrote {} in {:.1?}", path.display(), written);

    let start = Instant::now();
    let file = MappedFile::<HikingDatabase>::open(&path)?;
    let opened = start.elapsed();
    let root = file.root();
    let total_points: usize = root.hikes().iter().map(|h| h.gps_track().len()).sum();
    let total_distance: f64 = root.hikes().iter().map(|h| distance(h.gps_track().as_slice())).sum();
    println!("opened and validated in {opened:.1?}: {:?}", root.description());
    println!(
        "  {} hikes, {} GPS points, {} bytes, {:.1} km walked",
        root.hikes().len(),
        total_points,
        file.as_bytes().len(),
        total_distance / 1000.0
    );
    let hike = root.hikes().get(3).expect("at least 4 hikes");
    println!(
        "  hikes[3]: {} — {}, {} points",
        hike.date(),
        hike.description(),
        hike.gps_track().len()
    );
    println!("  hikes[3].gps_track[7] = {:?}", hike.gps_track().get(7).expect("at least 8 points"));
    drop(file);

    // SAFETY: the file was written by this program a moment ago and validated by
    // the `open` above; nothing else writes it.
    let start = Instant::now();
    let trusted = unsafe { MappedFile::<HikingDatabase>::open_unchecked(&path)? };
    println!("opened without validation in {:.1?}", start.elapsed());
    drop(trusted);

    let mut file = MappedFileMut::<HikingDatabase>::open(&path)?;
    let mut root = file.root_mut();
    let mut hikes_mut = root.hikes_mut();
    let mut hike = hikes_mut.get_mut(3).expect("at least 4 hikes");
    hike.gps_track_mut().as_mut_slice()[7].z = 4807.5;
    file.flush()?;
    drop(file);
    println!("set hikes[3].gps_track[7].z = 4807.5 in place");

    let file = MappedFile::<HikingDatabase>::open(&path)?;
    let point = file.root().hikes().get(3).and_then(|h| h.gps_track().get(7)).expect("present");
    println!("reopened: hikes[3].gps_track[7] = {point:?}");
    assert_eq!(point.z(), 4807.5);
    let mut expected = db;
    expected.hikes[3].gps_track[7].z = 4807.5;
    assert!(file.to_owned() == expected, "the file holds the database with the one change");
    println!("the whole database reads back equal, with the one change");
    Ok(())
}
