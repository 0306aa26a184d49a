//! The live-tracking database that `shared_writer` publishes and
//! `shared_reader` follows.

use std::path::PathBuf;

use mmf::Mapped;

/// A point of a GPS track: metres east and north of the start, metres above sea level.
#[derive(Mapped, Debug, Clone, PartialEq)]
pub struct Coord {
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

#[derive(Mapped, Debug, Clone, PartialEq)]
pub struct Hike {
    pub date: String,
    pub description: String,
    pub gps_track: Vec<Coord>,
}

#[derive(Mapped, Debug, Clone, PartialEq)]
pub struct HikingDatabase {
    pub description: String,
    /// Points recorded so far, over all hikes: lets readers check each version.
    pub points: u64,
    pub hikes: Vec<Hike>,
}

/// The first argument, or `hikes-live.mmf` in the system's temporary directory.
pub fn path_argument() -> PathBuf {
    std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("hikes-live.mmf"))
}

/// The second argument, in seconds, or 60.
pub fn seconds_argument() -> Result<u64, std::num::ParseIntError> {
    std::env::args().nth(2).map_or(Ok(60), |s| s.parse())
}
