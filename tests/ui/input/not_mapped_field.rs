use mmf::Mapped;

struct Plain {
    x: f64,
}

// One error per field whose type is not `Mapped`, on that field.
#[derive(Mapped)]
struct Outer {
    inner: Plain,
    when: std::time::SystemTime,
    fine: Vec<u32>,
}

#[derive(Mapped)]
enum Shape {
    Point(Plain),
    Named { name: String, at: Plain },
    Nothing,
}

fn main() {}
