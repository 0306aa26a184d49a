use mmf::{Mapped, MappedFile, MappedFileMut};

#[derive(Mapped, Debug, Clone, PartialEq)]
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

fn main() -> Result<(), mmf::Error> {
    let db = HikingDatabase {
        description: "x".into(),
        hikes: vec![
            Hike {
                date: "2020".into(),
                description: "d".into(),
                gps_track: vec![Coord { x: 1.0, y: 2.0, z: 3.0 }; 10]
            };
            5
        ],
    };
    let file = MappedFileMut::create("/tmp/hikes.mmf", &db)?;
    drop(file);
    let file = MappedFile::<HikingDatabase>::open("/tmp/hikes.mmf")?;
    let hike = file.root().hikes().get(3).unwrap();
    println!("{:?}", hike.date());
    println!("{:?}", file.root());
    drop(file);
    let mut w = MappedFileMut::<HikingDatabase>::open("/tmp/hikes.mmf")?;
    w.root_mut().hikes_mut().get_mut(3).unwrap().gps_track_mut().as_mut_slice()[7].z = 4807.5;
    w.flush()?;
    drop(w);
    let back = MappedFile::<HikingDatabase>::open("/tmp/hikes.mmf")?.to_owned();
    println!("{}", back.hikes[3].gps_track[7].z);
    Ok(())
}
