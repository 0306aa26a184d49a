use mmf::Mapped;

#[derive(Mapped)]
struct Named {
    name: &'static str,
}

fn main() {}
