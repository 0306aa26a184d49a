use mmf::Mapped;

#[derive(Mapped)]
struct Deep {
    lists: Vec<Option<[usize; 2]>>,
}

fn main() {}
