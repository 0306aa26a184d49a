use mmf::Mapped;

#[derive(Mapped)]
struct Visit {
    when: std::time::SystemTime,
}

fn main() {}
