use mmf::Mapped;

#[derive(Mapped)]
union Either {
    a: u32,
    b: f32,
}

fn main() {}
