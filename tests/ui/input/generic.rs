use mmf::Mapped;

#[derive(Mapped)]
struct Wrapper<T> {
    value: T,
}

fn main() {}
