use mmf::Mapped;

#[derive(Mapped)]
enum Kind {
    A,
    B,
}

fn main() {}
