use mmf::Mapped;

// A variant's fields follow the rules of struct fields, and take no attributes.
#[derive(Mapped)]
enum Shape {
    Circle { r: usize },
    Square {
        #[mmf(offset = 8)]
        side: f64,
    },
    Label(&'static str),
}

// Variants written with braces or parentheses but no fields hold nothing.
#[derive(Mapped)]
enum Hollow {
    A {},
    B(),
}

fn main() {}
