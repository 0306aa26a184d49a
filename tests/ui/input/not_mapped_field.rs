use mmf::Mapped;

struct Plain {
    x: f64,
}

#[derive(Mapped)]
struct Outer {
    inner: Plain,
}

fn main() {}
