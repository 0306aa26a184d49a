use mmf::Mapped;

// A frozen struct never changes, so its fields have nothing to describe.
#[derive(Mapped)]
#[mmf(frozen)]
struct Point {
    #[mmf(default = 1.0)]
    x: f64,
    #[mmf(renamed_from = "why")]
    y: f64,
}

// An earlier name must not be a name in use now.
#[derive(Mapped)]
struct Hike {
    #[mmf(renamed_from = "date")]
    name: String,
    date: String,
}

// An earlier name of a type must not be its name now.
#[derive(Mapped)]
#[mmf(renamed_from = "Trip")]
struct Trip {
    a: u8,
}

// `other` takes no value.
#[derive(Mapped, Clone, Copy)]
#[repr(u8)]
enum Valued {
    A,
    #[mmf(other = 1)]
    B,
}

// One fallback at most.
#[derive(Mapped, Clone, Copy)]
#[repr(u8)]
enum Twice {
    #[mmf(other)]
    A,
    #[mmf(other)]
    B,
}

// The fallback of an enum with data holds no fields.
#[derive(Mapped)]
enum Shape {
    Circle(f64),
    #[mmf(other)]
    Other(u8),
}

// A variant's field, too, takes no earlier name in use now.
#[derive(Mapped)]
enum Step {
    Walk {
        #[mmf(renamed_from = "minutes")]
        duration: u16,
        minutes: u16,
    },
    Rest,
}

// `frozen` applies to structs.
#[derive(Mapped, Clone, Copy)]
#[repr(u8)]
#[mmf(frozen)]
enum Side {
    Left,
}

fn main() {}
