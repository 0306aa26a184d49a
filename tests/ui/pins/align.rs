use mmf::Mapped;

#[derive(Mapped)]
#[mmf(align = 16)]
struct Coord {
    x: f64,
}

fn main() {}
