// Offsets, lengths and string bytes cannot be rewritten through the safe API:
// `set_…` exists only for inline fields, `as_mut_slice` only for plain elements.
use mmf::{Mapped, MappedFileMut};

#[derive(Mapped)]
struct Hike {
    date: String,
    flags: Vec<bool>,
    track: Vec<Vec<f64>>,
}

fn main() {
    let mut file = MappedFileMut::<Hike>::open("hike.mmf").unwrap();
    let mut hike = file.root_mut();
    hike.set_date(String::from("2024-01-01"));
    hike.set_track(Vec::new());
    hike.flags_mut().as_mut_slice()[0] = 2;
    hike.track_mut().as_mut_slice()[0].len = 1 << 40;
}
