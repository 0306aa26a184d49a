use mmf::Mapped;

#[derive(Mapped)]
#[mmf(schema = 0x1234)]
struct Coord {
    x: f64,
    y: f64,
    z: f64,
}

fn main() {}
