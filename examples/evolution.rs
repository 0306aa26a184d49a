//! A file outlives the program version that wrote it: version 1 of a hiking
//! log writes a file; version 2, whose types changed, opens it and reads it
//! in place; changes in place what both versions store alike; upgrades the
//! old file to its own layout to change the rest; and version 1 reads what
//! version 2 writes.
//!
//! ```text
//! cargo run --example evolution
//! ```

use mmf::{AnyVersionMut, MappedFile, MappedFileMut};

/// The types as version 1 of the program had them.
mod v1 {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Coord {
        pub x: f64,
        pub y: f64,
        pub z: f32,
    }

    #[derive(Mapped, Debug, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Difficulty {
        Easy,
        Hard,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub enum Weather {
        Sunny,
        Rain { millimeters: f32 },
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Hike {
        pub title: String,
        pub difficulty: Difficulty,
        pub weather: Weather,
        pub gps_track: Vec<Coord>,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct HikingLog {
        pub owner: String,
        pub hikes: Vec<Hike>,
    }
}

/// Version 2: `Coord` gained a time and a wider `z`, `Hike` a renamed
/// field, a field with a default and a list, `Difficulty` a variant and a
/// fallback for variants yet to come, `Weather` a variant and a field.
mod v2 {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Coord {
        pub x: f64,
        pub y: f64,
        pub z: f64,
        pub seconds: u32,
    }

    #[derive(Mapped, Debug, Clone, Copy, PartialEq)]
    #[repr(u8)]
    pub enum Difficulty {
        Easy,
        Medium,
        Hard,
        #[mmf(other)]
        Unknown,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub enum Weather {
        Sunny,
        Rain {
            millimeters: f32,
            #[mmf(default = 1)]
            hours: u8,
        },
        Snow {
            centimeters: u16,
        },
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Hike {
        #[mmf(renamed_from = "title")]
        pub name: String,
        pub difficulty: Difficulty,
        pub weather: Weather,
        pub gps_track: Vec<Coord>,
        #[mmf(default = String::from("Switzerland"))]
        pub country: String,
        pub tags: Vec<String>,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct HikingLog {
        pub owner: String,
        pub hikes: Vec<Hike>,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("hikes.mmf");

    // Version 1 writes its log.
    let track = |n: usize| (0..n).map(|i| v1::Coord { x: i as f64, y: 0.5, z: 480.0 }).collect();
    let log = v1::HikingLog {
        owner: "Ana".into(),
        hikes: vec![
            v1::Hike {
                title: "Rigi".into(),
                difficulty: v1::Difficulty::Easy,
                weather: v1::Weather::Sunny,
                gps_track: track(3),
            },
            v1::Hike {
                title: "Eiger".into(),
                difficulty: v1::Difficulty::Hard,
                weather: v1::Weather::Rain { millimeters: 4.5 },
                gps_track: track(5),
            },
        ],
    };
    drop(MappedFileMut::create(&path, &log)?);
    println!("version 1 wrote {} hikes to {}", log.hikes.len(), path.display());

    // Version 2 opens it: the differences are resolved once, here; then
    // every read is in place, strings and lists borrowed from the mapping.
    let file = MappedFile::<v2::HikingLog>::open(&path)?;
    println!("version 2 opens it; another version's file: {}", file.is_other_version());
    for hike in file.root().hikes() {
        let last = hike.gps_track().get(hike.gps_track().len() - 1).unwrap();
        println!(
            "  {} ({:?}, {}, {:?}): {} points, the last at x = {}, z = {}, {} s",
            hike.name(),
            hike.difficulty(),
            hike.country(),
            hike.weather(),
            hike.gps_track().len(),
            last.x(),
            last.z(),
            last.seconds(),
        );
    }
    // Its coordinates are 16 bytes apart in the file and 24 in the program,
    // so the stored forms cannot be handed out as the program's.
    assert!(file.root().hikes().get(0).unwrap().gps_track().try_as_slice().is_none());
    drop(file);

    // The typed in-place view needs the program's layout: the error says so.
    match MappedFileMut::<v2::HikingLog>::open(&path) {
        Ok(_) => unreachable!("a file of another version has no typed in-place view"),
        Err(e) => println!("version 2 cannot change it through `root_mut`:\n  {e}"),
    }
    // What the file stores as version 2 does still changes in place, by path.
    let mut file = AnyVersionMut::<v2::HikingLog>::open(&path)?;
    *file.get_mut::<f64>("hikes[1].gps_track[4].y")? = 0.75;
    println!("version 2 moved the Eiger's last point in place, to y = 0.75");
    // A value stored otherwise is replaced by `set`, where the file can hold
    // it: version 1 numbers the variants otherwise, and lacks `Medium`.
    file.set("hikes[0].difficulty", &v2::Difficulty::Hard)?;
    println!("and marked the Rigi as Hard, in version 1's numbering");
    if let Err(e) = file.set("hikes[1].difficulty", &v2::Difficulty::Medium) {
        println!("but not the Eiger as Medium, which version 1 does not have:\n  {e}");
    }
    drop(file);
    // Upgrade: the same values in version 2's layout, replacing the file
    // atomically. Now it changes in place.
    assert!(mmf::upgrade::<v2::HikingLog>(&path)?);
    let mut file = MappedFileMut::<v2::HikingLog>::open(&path)?;
    let mut root = file.root_mut();
    let mut hikes = root.hikes_mut();
    let mut eiger = hikes.get_mut(1).unwrap();
    eiger.set_difficulty(v2::Difficulty::Medium);
    eiger.gps_track_mut().get_mut(0).unwrap().set_seconds(30);
    file.flush()?;
    drop(file);
    println!("version 2 upgraded the file and marked the Eiger as Medium");

    // Version 1 still reads the file: it ignores what it does not know, and
    // refuses only a value it cannot read — here `z`, which version 2 widened.
    match MappedFile::<v1::HikingLog>::open(&path) {
        Ok(_) => unreachable!("version 1 cannot narrow `z` back"),
        Err(e) => println!("version 1 refuses it, naming what changed:\n  {e}"),
    }
    /// Version 1 as it would have been without `z` and `Difficulty`: it reads
    /// version 2's file, finding `title`, which version 2 renamed, by the
    /// earlier name the file's notes hold.
    mod v1_lite {
        use mmf::Mapped;
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Coord {
            pub x: f64,
            pub y: f64,
        }
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct Hike {
            pub title: String,
            pub gps_track: Vec<Coord>,
        }
        #[derive(Mapped, Debug, Clone, PartialEq)]
        pub struct HikingLog {
            pub owner: String,
            pub hikes: Vec<Hike>,
        }
    }
    let file = MappedFile::<v1_lite::HikingLog>::open(&path)?;
    let eiger = file.root().hikes().get(1).unwrap();
    println!(
        "an older program without `z` reads it: {}'s hike {:?} has {} points",
        file.root().owner(),
        eiger.title(),
        eiger.gps_track().len()
    );
    Ok(())
}
