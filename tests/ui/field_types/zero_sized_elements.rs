use mmf::Mapped;

#[derive(Mapped)]
struct Marker {}

#[derive(Mapped)]
struct Markers {
    all: Vec<Marker>,
}

fn main() {
    let bytes = mmf::to_bytes(&Markers { all: vec![Marker {}] });
    let _ = mmf::from_bytes::<Markers>(&bytes);
}
