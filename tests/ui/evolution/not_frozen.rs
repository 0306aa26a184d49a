use mmf::Mapped;

#[derive(Mapped)]
struct Coord {
    x: f64,
}

// A struct that may change between versions has no `as_slice`.
fn first(list: mmf::ListView<'_, Coord>) -> f64 {
    list.as_slice()[0].x
}

fn main() {}
