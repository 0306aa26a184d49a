use mmf::Mapped;

#[derive(Mapped)]
struct Counter {
    count: usize,
    delta: isize,
}

fn main() {}
