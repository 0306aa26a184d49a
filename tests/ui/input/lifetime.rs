use mmf::Mapped;

#[derive(Mapped)]
struct Borrowed<'a> {
    name: &'a str,
}

fn main() {}
