use mmf::Mapped;

#[derive(Mapped)]
#[mmf(size = 16)]
struct Coord {
    x: f64,
    y: f64,
    z: f64,
}

fn main() {}
