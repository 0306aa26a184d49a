//! Types and data shared by the integration tests.
#![allow(dead_code)]

use mmf::Mapped;

pub mod fuzz;

/// The property tests' configuration: `cases` cases drawn from a fixed seed,
/// so that whether a test passes depends on the code alone. Set
/// `PROPTEST_RNG_SEED` to draw other cases; the fuzz targets explore (and
/// build this module without proptest).
#[cfg(test)]
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngSeed};
    let default = Config::default();
    let rng_seed = match default.rng_seed {
        RngSeed::Random => RngSeed::Fixed(0x6d6d_6621),
        chosen => chosen,
    };
    if cfg!(miri) {
        // Saving failures needs the file system, which Miri isolates.
        Config { cases: cases.min(2), rng_seed, failure_persistence: None, ..default }
    } else {
        Config { cases, rng_seed, ..default }
    }
}

#[derive(Mapped, Debug, Clone, PartialEq)]
pub struct Coord {
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

#[derive(Mapped, Debug, Clone, PartialEq)]
pub struct Hike {
    pub date: String,
    pub description: String,
    pub gps_track: Vec<Coord>,
}

#[derive(Mapped, Debug, Clone, PartialEq)]
pub struct HikingDatabase {
    pub description: String,
    pub hikes: Vec<Hike>,
}

/// The hiking types of a later version of the program, which reads files of
/// the types above and whose files those read (schema evolution): `Coord`
/// gained a field before the others, `Hike` renamed one, lost one and gained
/// two, `HikingDatabase` gained one with a default.
pub mod later {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Coord {
        pub t: u32,
        pub x: f64,
        pub y: f64,
        pub z: f64,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Hike {
        #[mmf(renamed_from = "date")]
        pub day: String,
        pub gps_track: Vec<Coord>,
        pub rating: u8,
        pub summit: Option<Coord>,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct HikingDatabase {
        pub hikes: Vec<Hike>,
        pub description: String,
        #[mmf(default = String::from("unknown"))]
        pub owner: String,
    }

    impl HikingDatabase {
        /// What this version reads from a file of the earlier one.
        pub fn from_earlier(db: &super::HikingDatabase) -> HikingDatabase {
            let coord = |c: &super::Coord| Coord { t: 0, x: c.x, y: c.y, z: c.z };
            let hike = |h: &super::Hike| Hike {
                day: h.date.clone(),
                gps_track: h.gps_track.iter().map(coord).collect(),
                rating: 0,
                summit: None,
            };
            HikingDatabase {
                hikes: db.hikes.iter().map(hike).collect(),
                description: db.description.clone(),
                owner: "unknown".into(),
            }
        }

        /// What the earlier version reads from a file of this one: what it
        /// does not know is left out, and the renamed field found by its
        /// old name, which the file's notes give.
        pub fn to_earlier(&self) -> super::HikingDatabase {
            let coord = |c: &Coord| super::Coord { x: c.x, y: c.y, z: c.z };
            // `day` was `date`, and the file's notes say so.
            let hike = |h: &Hike| super::Hike {
                date: h.day.clone(),
                description: String::new(),
                gps_track: h.gps_track.iter().map(coord).collect(),
            };
            super::HikingDatabase {
                description: self.description.clone(),
                hikes: self.hikes.iter().map(hike).collect(),
            }
        }
    }
}

#[derive(Mapped, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
#[mmf(key)]
pub enum Difficulty {
    Easy = 1,
    Medium = 2,
    Hard = 7,
}

#[derive(Mapped, Debug, Clone, Copy, PartialEq)]
#[repr(u32)]
pub enum Weather {
    Sun,
    Rain = 1000,
    Snow,
}

/// An enum with data: struct, tuple and unit variants, some with blocks.
#[derive(Mapped, Debug, Clone, PartialEq)]
pub enum Shape {
    Circle { r: f64 },
    Segment(Coord, Coord),
    Label(String),
    Path { name: String, points: Vec<Coord>, closed: bool },
    Empty,
}

/// An enum with data whose variants are all stored inline, with explicit
/// discriminants in a `u16`.
#[derive(Mapped, Debug, Clone, Copy, PartialEq)]
#[repr(u16)]
pub enum Marker {
    Flag(u8) = 3,
    Peak { height: f32, named: bool } = 10,
    Plain,
}

/// A generic struct: a series of any element type.
#[derive(Mapped, Debug, Clone, PartialEq)]
pub struct Series<T> {
    pub name: String,
    pub points: Vec<T>,
}

/// Fields in an order that forces padding everywhere.
#[derive(Mapped, Debug, Clone, PartialEq)]
pub struct Padded {
    pub a: u8,
    pub b: u64,
    pub c: u16,
    pub d: u32,
    pub e: u8,
    pub f: u128,
    pub g: bool,
}

#[derive(Mapped, Debug, Clone, PartialEq)]
pub struct Pair(pub u8, pub f64);

#[derive(Mapped, Debug, Clone, PartialEq)]
pub struct Empty {}

/// A tree: each node owns its children.
#[derive(Mapped, Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub children: Vec<Node>,
}

/// An expression: an enum with data that holds itself.
#[derive(Mapped, Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Add(Box<Expr>, Box<Expr>),
    Call { name: String, args: Vec<Expr> },
    Nothing,
}

/// A generic enum with data.
#[derive(Mapped, Debug, Clone, PartialEq)]
pub enum Reading<T> {
    Value(T),
    Series { label: String, values: Vec<T> },
    Missing,
}

/// Every row of the type table at least once.
#[derive(Mapped, Debug, Clone, PartialEq)]
pub struct Everything {
    pub a_u8: u8,
    pub a_u16: u16,
    pub a_u32: u32,
    pub a_u64: u64,
    pub a_u128: u128,
    pub a_i8: i8,
    pub a_i16: i16,
    pub a_i32: i32,
    pub a_i64: i64,
    pub a_i128: i128,
    pub a_f32: f32,
    pub a_f64: f64,
    pub flag: bool,
    pub letter: char,
    pub text: String,
    pub boxed_text: Box<str>,
    pub numbers: Vec<u16>,
    pub boxed_numbers: Box<[i32]>,
    pub some: Option<u32>,
    pub none: Option<u32>,
    pub some_text: Option<String>,
    pub option_of_struct: Option<Coord>,
    pub bytes: [u8; 3],
    pub coords: [Coord; 2],
    pub padded: Padded,
    pub padded_list: Vec<Padded>,
    pub difficulty: Difficulty,
    pub weather: Vec<Weather>,
    pub pair: Pair,
    pub empty: Empty,
    pub nested_lists: Vec<Vec<String>>,
    pub flags: Vec<bool>,
    pub letters: [char; 2],
    pub hikes: Vec<Hike>,
    pub shape: Shape,
    pub shapes: Vec<Shape>,
    pub marker: Option<Marker>,
    pub boxed: Box<Hike>,
    pub maybe_boxed: Option<Box<Coord>>,
    pub series: Series<Coord>,
    pub counts: std::collections::HashMap<String, u64>,
    pub hikes_by_year: std::collections::BTreeMap<u16, Hike>,
    pub tags: std::collections::HashSet<String>,
    pub years: std::collections::BTreeSet<i64>,
    pub lat_lon: (f64, f64),
    pub named_counts: Vec<(String, u32)>,
    pub mixed: (u8, Option<(u16, char)>, [u8; 3]),
    pub tree: Node,
    pub expr: Expr,
    pub by_year_and_peak: std::collections::HashMap<(u16, String), u8>,
    pub by_difficulty: std::collections::HashMap<Difficulty, u32>,
    pub by_route: std::collections::BTreeMap<(Option<[u8; 2]>, Vec<String>), i8>,
    pub reading: Reading<Coord>,
}

pub fn coord(i: usize) -> Coord {
    let f = i as f64;
    Coord { x: 8.0 + f * 0.001, y: 46.0 + f * 0.002, z: 500.0 + f }
}

pub fn hike(i: usize, points: usize) -> Hike {
    Hike {
        date: format!("2024-06-{:02}", 1 + i % 28),
        description: format!("Tour {i} über den Grat 🏔"),
        gps_track: (0..points).map(|j| coord(i * 1000 + j)).collect(),
    }
}

pub fn database(hikes: usize, points: usize) -> HikingDatabase {
    HikingDatabase {
        description: "Wanderungen".into(),
        hikes: (0..hikes).map(|i| hike(i, points)).collect(),
    }
}

pub fn padded(i: u8) -> Padded {
    Padded {
        a: i,
        b: u64::MAX - u64::from(i),
        c: 0xbeef,
        d: 7,
        e: 0xff,
        f: u128::MAX / 3,
        g: i.is_multiple_of(2),
    }
}

pub fn everything() -> Everything {
    Everything {
        a_u8: 0xab,
        a_u16: 0xabcd,
        a_u32: 0xdead_beef,
        a_u64: u64::MAX - 1,
        a_u128: u128::MAX - 2,
        a_i8: -8,
        a_i16: -16_000,
        a_i32: i32::MIN,
        a_i64: -64,
        a_i128: i128::MIN + 1,
        a_f32: 1.5,
        a_f64: -0.0,
        flag: true,
        letter: 'ß',
        text: "Grüezi mitenand — 你好".into(),
        boxed_text: "".into(),
        numbers: vec![1, 2, 3, 65535],
        boxed_numbers: vec![-1, 0, 1].into_boxed_slice(),
        some: Some(42),
        none: None,
        some_text: Some("da".into()),
        option_of_struct: Some(coord(9)),
        bytes: [1, 2, 3],
        coords: [coord(1), coord(2)],
        padded: padded(1),
        padded_list: (0..5).map(padded).collect(),
        difficulty: Difficulty::Hard,
        weather: vec![Weather::Sun, Weather::Rain, Weather::Snow],
        pair: Pair(9, 2.25),
        empty: Empty {},
        nested_lists: vec![vec![], vec!["a".into(), String::new(), "ç".into()]],
        flags: vec![true, false, true],
        letters: ['a', '🦀'],
        hikes: vec![hike(0, 3), hike(1, 0)],
        shape: Shape::Path { name: "loop".into(), points: vec![coord(3), coord(4)], closed: true },
        shapes: shapes(),
        marker: Some(Marker::Peak { height: 2962.0, named: true }),
        boxed: Box::new(hike(7, 2)),
        maybe_boxed: Some(Box::new(coord(5))),
        series: Series { name: "generic".into(), points: vec![coord(6)] },
        counts: [("Rigi".to_owned(), 3), ("Pilatus".to_owned(), 1)].into(),
        hikes_by_year: [(2024, hike(4, 2)), (2023, hike(5, 1))].into(),
        tags: ["alpine".to_owned(), "lake".to_owned(), String::new()].into(),
        years: [-44, 1291, 2024].into(),
        lat_lon: (47.05, 8.3),
        named_counts: vec![("Rigi".into(), 3), (String::new(), 0)],
        mixed: (7, Some((0xfeed, 'ü')), [4, 5, 6]),
        tree: tree(),
        expr: expr(),
        by_year_and_peak: [((2024, "Rigi".to_owned()), 2), ((2023, String::new()), 1)].into(),
        by_difficulty: [(Difficulty::Hard, 3), (Difficulty::Easy, 9)].into(),
        by_route: [
            ((None, vec![]), -1),
            ((Some([1, 2]), vec!["Rigi".to_owned(), "Napf".to_owned()]), 4),
            ((Some([1, 2]), vec!["Rigi".to_owned()]), 5),
        ]
        .into(),
        reading: Reading::Series { label: "track".into(), values: vec![coord(11), coord(12)] },
    }
}

pub fn tree() -> Node {
    let leaf = |name: &str| Node { name: name.into(), children: vec![] };
    Node {
        name: "Alps".into(),
        children: vec![
            Node { name: "Bernese".into(), children: vec![leaf("Eiger"), leaf("Mönch")] },
            leaf("Pennine"),
        ],
    }
}

pub fn expr() -> Expr {
    Expr::Add(
        Box::new(Expr::Num(1.5)),
        Box::new(Expr::Call { name: "max".into(), args: vec![Expr::Num(2.0), Expr::Nothing] }),
    )
}

/// One value of each variant of [`Shape`].
pub fn shapes() -> Vec<Shape> {
    vec![
        Shape::Circle { r: 1.5 },
        Shape::Segment(coord(1), coord(2)),
        Shape::Label("Säntis".into()),
        Shape::Path { name: String::new(), points: vec![], closed: false },
        Shape::Empty,
    ]
}

/// A deterministic generator for randomized tests (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A fresh directory for one test's files, removed with everything in it
/// when dropped.
pub fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("mmf-test-{name}-"))
        .tempdir()
        .expect("create a temporary directory")
}

/// Runs one `#[ignore]`d test of this test binary in a child process, with
/// `file` in the environment variable `var`, and returns what it printed.
pub fn run_child_test(name: &str, var: &str, file: &std::path::Path) -> std::process::Output {
    child_test(name, var, file).output().expect("run the test binary")
}

/// The command that runs one `#[ignore]`d test of this test binary in a child
/// process, with `file` in the environment variable `var`.
pub fn child_test(name: &str, var: &str, file: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::new(std::env::current_exe().expect("the test binary"));
    command.args(["--exact", name, "--ignored", "--nocapture", "--test-threads=1"]).env(var, file);
    command
}

/// Starts `command` with piped output. Starting a process can fail for a
/// moment when the system is short of what it takes (Wine's server, under
/// load, has answered `Internal error`): what the tests check is what the
/// process does once it runs, so a start is tried again a few times.
pub fn spawn_piped(command: &mut std::process::Command) -> std::process::Child {
    use std::process::Stdio;
    let mut failures = Vec::new();
    for attempt in 1..=5u64 {
        match command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
            Ok(child) => return child,
            Err(e) => failures.push(e.to_string()),
        }
        std::thread::sleep(std::time::Duration::from_millis(100 * attempt));
    }
    panic!("the child process did not start: {}", failures.join("; "))
}

/// The line a child test printed after `tag`, without the harness's words
/// that may come before it on the same line.
pub fn child_report<'a>(stdout: &'a str, tag: &str) -> Option<&'a str> {
    stdout.lines().find_map(|l| l.find(tag).map(|i| &l[i + tag.len()..]))
}

/// An atlas whose points gain a field between versions, held in arrays,
/// tuples and maps' values as well as lists.
pub mod atlas_v1 {
    use mmf::Mapped;
    use std::collections::{BTreeMap, HashMap};

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Point {
        pub x: f64,
        pub y: f64,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Atlas {
        pub corners: [Point; 2],
        pub labelled: (u32, Point),
        pub huts: HashMap<String, Point>,
        pub routes: BTreeMap<u16, Vec<Point>>,
        pub grid: Vec<[Point; 2]>,
        pub pairs: Vec<(u8, Point)>,
    }
}

pub mod atlas_v2 {
    use mmf::Mapped;
    use std::collections::{BTreeMap, HashMap};

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Point {
        pub elevation: u32,
        pub x: f64,
        pub y: f64,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Atlas {
        pub corners: [Point; 2],
        pub labelled: (u32, Point),
        pub huts: HashMap<String, Point>,
        pub routes: BTreeMap<u16, Vec<Point>>,
        pub grid: Vec<[Point; 2]>,
        pub pairs: Vec<(u8, Point)>,
    }
}

/// A journal of entries, an enum with data, across two versions: a variant
/// gains a field and loses one, one is added, one is removed, and a field
/// inside a variant is widened.
pub mod journal_v1 {
    use mmf::Mapped;

    use super::atlas_v1::Point;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub enum Entry {
        Walk { from: Point, to: Point, minutes: u16 },
        Note(String),
        Rest,
        Photo { at: Point, file: String },
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Journal {
        pub entries: Vec<Entry>,
        pub last: Option<Entry>,
    }
}

pub mod journal_v2 {
    use mmf::Mapped;

    use super::atlas_v2::Point;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub enum Entry {
        Note(String),
        Walk { from: Point, to: Point, minutes: u32, climbed: u32 },
        Rest,
        Swim { meters: u32 },
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Journal {
        pub entries: Vec<Entry>,
        pub last: Option<Entry>,
    }
}

/// Two versions of a struct holding types that contain themselves; the
/// first also has `Node` as a later version names and extends it (`Tree`).
pub mod forest_v1 {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Forest {
        pub trees: Vec<super::Node>,
        pub formula: Option<super::Expr>,
    }

    /// `Node` as another version has it: with a field more.
    #[derive(Mapped, Debug, Clone, PartialEq)]
    #[mmf(renamed_from = "Node")]
    pub struct Tree {
        pub name: String,
        pub children: Vec<Tree>,
        pub height: u32,
    }

    #[derive(Mapped, Debug, Clone, PartialEq)]
    #[mmf(renamed_from = "Forest")]
    pub struct Grove {
        pub trees: Vec<Tree>,
    }
}

/// A later `common::Expr`: a variant more, and a field more in `Call`.
pub mod expr_v2 {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub enum Expr {
        Num(f64),
        Add(Box<Expr>, Box<Expr>),
        Call {
            name: String,
            args: Vec<Expr>,
            #[mmf(default = true)]
            pure: bool,
        },
        Nothing,
        Neg(Box<Expr>),
    }

    impl Expr {
        /// `old` as the later program holds it: calls are pure by default.
        pub fn from_earlier(old: &super::Expr) -> Expr {
            use super::Expr as Old;
            let boxed = |e: &Old| Box::new(Expr::from_earlier(e));
            match old {
                Old::Num(n) => Expr::Num(*n),
                Old::Add(a, b) => Expr::Add(boxed(a), boxed(b)),
                Old::Call { name, args } => Expr::Call {
                    name: name.clone(),
                    args: args.iter().map(Expr::from_earlier).collect(),
                    pure: true,
                },
                Old::Nothing => Expr::Nothing,
            }
        }
    }
}

/// `(1.5 + max(2, _)) + min((1.5 + max(2, _)), 3)`: calls and sums at
/// several depths, behind boxes and in lists.
pub fn deeper_expr() -> Expr {
    let call = Expr::Call { name: "min".into(), args: vec![expr(), Expr::Num(3.0)] };
    Expr::Add(Box::new(expr()), Box::new(call))
}

pub mod forest_v2 {
    use mmf::Mapped;

    #[derive(Mapped, Debug, Clone, PartialEq)]
    pub struct Forest {
        #[mmf(default = 7)]
        pub planted: u32,
        pub formula: Option<super::Expr>,
        pub trees: Vec<super::Node>,
    }
}
