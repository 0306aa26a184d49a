use mmf::Mapped;

#[derive(Mapped)]
struct Tree {
    children: Vec<Tree>,
}

fn main() {}
