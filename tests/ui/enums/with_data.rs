use mmf::Mapped;

#[derive(Mapped)]
#[repr(u8)]
enum Shape {
    Circle(f64),
    Square { side: f64 },
}

fn main() {}
