//! The checks the fuzz targets run, shared with the test that replays their
//! corpus (`tests/fuzz_corpus.rs`), so every input the fuzzers kept is checked
//! by `cargo test` too.
//!
//! The invariant: any byte sequence opened through a safe function gives `Ok`
//! with views that traverse, rebuild and re-encode consistently, or an `Err`;
//! never a panic.

use std::fmt::Debug;

use mmf::{AlignedBytes, Mapped};

use super::{Difficulty, Everything, HikingDatabase, Marker, Padded, Pair, Shape, Weather, later};
use super::{atlas_v1, atlas_v2, expr_v2, forest_v1, journal_v1, journal_v2};

/// The schemas the fuzzers exercise, chosen by an input's first byte; the
/// last five open images of earlier types with later ones: the hiking
/// types, an atlas (structs changing inside arrays, tuples and maps' values),
/// a journal (an enum with data changing), a forest (a struct that
/// contains itself changing) and an expression (an enum that contains
/// itself changing).
pub const SCHEMAS: usize = 9;

/// Runs the checks for the schema `selector` picks on `bytes`.
pub fn check_schema(selector: u8, bytes: &[u8]) {
    match usize::from(selector) % SCHEMAS {
        0 => check::<Everything>(bytes, Some(update_everything)),
        1 => check::<HikingDatabase>(bytes, Some(update_database)),
        2 => check::<Vec<Padded>>(bytes, None),
        3 => check::<Vec<Vec<Option<String>>>>(bytes, None),
        4 => check_other_version::<later::HikingDatabase>(bytes, Some(set_database)),
        5 => check_other_version::<atlas_v2::Atlas>(bytes, None),
        6 => check_other_version::<journal_v2::Journal>(bytes, Some(set_journal)),
        7 => check_other_version::<forest_v1::Grove>(bytes, None),
        _ => check_other_version::<expr_v2::Expr>(bytes, None),
    }
}

/// `input` with the header's schema hash set to the hash of the schema it
/// holds (if it holds one in bounds): a hostile file that passes the hash
/// check with any schema it likes.
pub fn with_schema_hash_fixed(input: &[u8]) -> AlignedBytes {
    let mut bytes = AlignedBytes::from_slice(input);
    if let Ok(header) = mmf::Header::read(&bytes) {
        let (at, len) = (header.schema_offset as usize, header.schema_len as usize);
        if let Some(schema) = at.checked_add(len).and_then(|end| bytes.get(at..end)) {
            // The schema hash is the header's word at offset 16.
            let hash = mmf::schema::hash_of(schema);
            bytes[16..24].copy_from_slice(&hash.to_ne_bytes());
        }
    }
    bytes
}

/// Opens `input`, its schema hash fixed to whatever schema it holds, as a
/// `T` of any version the program reads: if accepted, its views traverse
/// (through the differences resolved at open), and the value rebuilds and
/// re-encodes as a fixed point; the schema reader accepts it too. Then
/// `edit` changes it in place, and it stays valid.
pub fn check_other_version<T>(input: &[u8], edit: Option<fn(&mut mmf::ImageMut<'_, T>)>)
where
    T: Mapped,
    for<'a> T::View<'a>: Debug,
{
    let mut bytes = with_schema_hash_fixed(input);
    check_read_other_version::<T>(&bytes);
    if let Some(edit) = edit
        && let Ok(mut image) = mmf::ImageMut::<T>::new(&mut bytes)
    {
        edit(&mut image);
        drop(image);
        let image = mmf::Image::<T>::new(&bytes).expect("changed in place, still valid");
        let _ = image.to_owned();
        mmf::DynImage::new(&bytes).expect("changed in place, still valid by its schema");
    }
}

/// The reading half of [`check_other_version`].
fn check_read_other_version<T>(bytes: &[u8])
where
    T: Mapped,
    for<'a> T::View<'a>: Debug,
{
    let Ok(image) = mmf::Image::<T>::new(bytes) else { return };
    let _ = format!("{:?}", image.root());
    let owned = image.to_owned();
    let encoded = mmf::to_bytes(&owned);
    let reopened = mmf::from_bytes_owned::<T>(&encoded).expect("a re-encoded value is valid");
    assert!(mmf::to_bytes(&reopened)[..] == encoded[..], "encoding is not a fixed point");
    let by_schema = match mmf::DynImage::new(bytes) {
        Ok(image) => image,
        Err(e) => panic!("read as another version, refused by its schema: {e}"),
    };
    // Rewritten by `T`'s schema alone, the image is what the typed upgrade
    // wrote (or refused: notes that cannot be read are left out, say).
    let header = mmf::Header::read(&encoded).expect("written by mmf");
    let schema = &encoded[header.schema_offset as usize..][..header.schema_len as usize];
    if let Ok(Some(upgraded)) = by_schema.upgraded(schema) {
        assert!(upgraded[..] == encoded[..], "the upgrade by schema differs from the typed one");
    }
}

/// Values of the later hiking types stored in place into an earlier file.
pub fn set_database(image: &mut mmf::ImageMut<'_, later::HikingDatabase>) {
    let coord = |t| later::Coord { t, x: 7.5, y: -46.25, z: 1.0 };
    let _ = image.set("hikes[0].gps_track[1]", &coord(0));
    let _ = image.set("hikes[0].gps_track[0]", &coord(9));
    let _ = image.set("hikes[1].summit", &Some(coord(0)));
    let _ = image.set("hikes[0].rating", &3u8);
    let _ = image.get_mut::<f64>("hikes[0].gps_track[0].x").map(|x| *x = 2.5);
}

/// Values of the later journal stored in place into an earlier file.
pub fn set_journal(image: &mut mmf::ImageMut<'_, journal_v2::Journal>) {
    let point = atlas_v2::Point { elevation: 1, x: 2.0, y: 3.0 };
    let _ = image.set("entries[1].Walk.from", &point);
    let _ = image.set("entries[0].Walk.minutes", &70_000u32);
    let _ = image.set("entries[1].Swim.meters", &5u32);
    let _ = image.set("last?.Walk.climbed", &0u32);
}

/// Target (a) and (d): arbitrary bytes, the first choosing the schema.
pub fn check_input(data: &[u8]) {
    if let Some((&selector, bytes)) = data.split_first() {
        check_schema(selector, bytes);
    }
}

/// Opens `input` read-only and read-write; for accepted input, traverses every
/// view, rebuilds the value, re-encodes it and checks that the encoding is a
/// fixed point, then updates it in place.
pub fn check<T>(input: &[u8], update: Option<fn(T::ViewMut<'_>)>)
where
    T: Mapped,
    for<'a> T::View<'a>: Debug,
{
    let bytes = AlignedBytes::from_slice(input);
    let read = mmf::from_bytes::<T>(&bytes);
    let mut copy = bytes.clone();
    let write = mmf::from_bytes_mut::<T>(&mut copy);
    assert_eq!(read.is_ok(), write.is_ok(), "read-only and read-write validation disagree");
    // Reading by the embedded schema, without the type, accepts the same images
    // when the schema is `T`'s, and reads every value of what it accepts.
    let by_schema = mmf::DynImage::new(&bytes);
    if let Ok(image) = &by_schema {
        visit(image.root());
        if image.header().schema_hash == T::SCHEMA_HASH {
            assert!(read.is_ok(), "accepted by schema, refused by type: {:?}", read.as_ref().err());
        }
    }
    if let Err(e) = &by_schema
        && !matches!(e, mmf::Error::NoSchema)
    {
        assert!(read.is_err(), "accepted by type, refused by schema: {e}");
    }
    let (Ok(view), Ok(view_mut)) = (read, write) else { return };
    match update {
        Some(update) => update(view_mut),
        None => drop(view_mut),
    }
    let _ = format!("{view:?}");
    let owned = mmf::from_bytes_owned::<T>(&bytes).expect("validated above");
    let encoded = mmf::to_bytes(&owned);
    let reopened = mmf::from_bytes_owned::<T>(&encoded).expect("a re-encoded value is valid");
    let again = mmf::to_bytes(&reopened);
    assert!(encoded[..] == again[..], "encoding is not a fixed point");
    // The in-place update must leave a valid image behind.
    mmf::from_bytes::<T>(&copy).expect("an image updated in place stays valid");
}

/// Reads every value under `value` through the schema-driven reader.
fn visit(value: mmf::DynValue<'_>) {
    let _ = (value.scalar(), value.as_str(), value.variant(), value.len());
    for (_, field) in value.fields() {
        visit(field);
    }
    for element in value.elements() {
        visit(element);
    }
    if let Some(Some(inner)) = value.option() {
        visit(inner);
    }
}

/// Writes every kind of field of an accepted `Everything` in place.
fn update_everything(mut v: <Everything as Mapped>::ViewMut<'_>) {
    v.set_a_u64(v.a_u64().wrapping_add(1));
    v.set_flag(!v.flag());
    v.letter_mut().set('x');
    v.set_difficulty(Difficulty::Medium);
    v.set_some(Some(1));
    v.set_option_of_struct(None);
    v.set_pair(Pair(1, 2.0));
    v.padded_mut().set_g(true);
    for mut padded in v.padded_list_mut().iter_mut() {
        padded.set_b(7);
        padded.set_g(false);
    }
    let mut weather = v.weather_mut();
    for i in 0..weather.len() {
        weather.set(i, Weather::Rain);
    }
    for slot in v.numbers_mut().as_mut_slice() {
        *slot = slot.wrapping_mul(3);
    }
    for mut flag in v.flags_mut().iter_mut() {
        flag.set(true);
    }
    let _ = v.text_mut().len();
    for mut list in v.nested_lists_mut().iter_mut() {
        let _ = list.iter_mut().map(|s| s.len()).sum::<usize>();
    }
    update_hikes(v.hikes_mut());
    update_shape(v.shape_mut());
    for shape in v.shapes_mut().iter_mut() {
        update_shape(shape);
    }
    if let Some(mut marker) = v.marker_mut() {
        let _ = marker.set(Marker::Flag(1));
    }
    for point in v.boxed_mut().gps_track_mut().as_mut_slice() {
        point.x = -point.x;
    }
    if let Some(mut coord) = v.maybe_boxed_mut() {
        coord.set_y(0.5);
    }
    for point in v.series_mut().points_mut().as_mut_slice() {
        point.y = 1.0;
    }
    let keys: Vec<String> = v.counts().keys().map(str::to_owned).collect();
    for key in keys {
        let mut counts = v.counts_mut();
        let count = counts.get_mut(&key).expect("a key just listed");
        *count = count.wrapping_add(1);
    }
    v.set_lat_lon((1.0, -2.0));
    for (name, count) in v.named_counts_mut().iter_mut() {
        *count = name.len() as u32;
    }
    let (first, second, mut bytes) = v.mixed_mut();
    *first = first.wrapping_add(1);
    if let Some((number, mut letter)) = second {
        *number = number.wrapping_sub(1);
        letter.set('t');
    }
    bytes[2] = 9;
    let mut tree = v.tree_mut();
    for child in tree.children_mut().iter_mut() {
        let _ = child.name().len();
    }
    update_expr(v.expr_mut());
}

/// Changes numbers where they lie, through the boxes of the expression.
fn update_expr(mut expr: super::ExprViewMut<'_>) {
    use super::ExprVariantMut as V;
    match expr.variant_mut() {
        V::Num(n) => *n = -*n,
        V::Add(left, right) => {
            update_expr(left.into_mut());
            update_expr(right.into_mut());
        }
        V::Call { mut args, .. } => {
            for arg in args.iter_mut() {
                update_expr(arg);
            }
        }
        V::Nothing => {}
    }
}

/// Changes every field of the variant held in place, then replaces a circle
/// by an empty shape (stored inline) and refuses to put a label in its place.
fn update_shape(mut shape: super::ShapeViewMut<'_>) {
    use super::ShapeVariantMut as V;
    match shape.variant_mut() {
        V::Circle { r } => *r *= 2.0,
        V::Segment(mut a, mut b) => {
            a.set_x(b.x());
            b.set_y(-1.0);
        }
        V::Label(text) => assert!(text.len() < 1 << 40),
        V::Path { name, mut points, mut closed } => {
            closed.set(!name.is_empty());
            for point in points.as_mut_slice() {
                point.z = 0.0;
            }
        }
        V::Empty => {}
    }
    if let super::ShapeView::Circle { .. } = shape.as_view() {
        assert!(shape.set(Shape::Label("no room".into())).is_err());
        shape.set(Shape::Empty).expect("a unit variant is stored inline");
    }
}

fn update_database(mut v: <HikingDatabase as Mapped>::ViewMut<'_>) {
    update_hikes(v.hikes_mut());
}

fn update_hikes(mut hikes: mmf::ListViewMut<'_, super::Hike>) {
    // All element views alive at once, each writing its own track.
    let mut views: Vec<_> = hikes.iter_mut().collect();
    for hike in &mut views {
        for point in hike.gps_track_mut().as_mut_slice() {
            point.z += 1.0;
        }
    }
    for hike in &views {
        let _ = (hike.date().len(), hike.description().len());
    }
}

/// The valid images structure-aware mutation starts from, one per schema.
pub fn seeds() -> Vec<AlignedBytes> {
    vec![
        mmf::to_bytes(&super::everything()),
        mmf::to_bytes(&super::database(3, 4)),
        mmf::to_bytes(&(0..4).map(super::padded).collect::<Vec<_>>()),
        mmf::to_bytes(&vec![vec![Some("a".to_owned()), None], vec![], vec![Some(String::new())]]),
        mmf::to_bytes(&super::database(3, 4)),
        mmf::to_bytes(&earlier_atlas()),
        mmf::to_bytes(&earlier_journal()),
        mmf::to_bytes(&forest_v1::Forest { trees: vec![super::tree()], formula: None }),
        mmf::to_bytes(&super::deeper_expr()),
    ]
}

fn earlier_point(i: u32) -> atlas_v1::Point {
    atlas_v1::Point { x: f64::from(i), y: -f64::from(i) }
}

/// An atlas of the earlier version, for the later one to read.
fn earlier_atlas() -> atlas_v1::Atlas {
    let p = earlier_point;
    atlas_v1::Atlas {
        corners: [p(1), p(2)],
        labelled: (7, p(3)),
        huts: (0..3).map(|i| (format!("hut {i}"), p(i))).collect(),
        routes: (0..2).map(|i| (i as u16, vec![p(i); i as usize + 1])).collect(),
        grid: vec![[p(4), p(5)]],
        pairs: vec![(1, p(6))],
    }
}

/// A journal of the earlier version, of variants the later one knows.
fn earlier_journal() -> journal_v1::Journal {
    use journal_v1::Entry;
    let p = earlier_point;
    journal_v1::Journal {
        entries: vec![
            Entry::Walk { from: p(1), to: p(2), minutes: 30 },
            Entry::Note("lake".into()),
            Entry::Rest,
        ],
        last: Some(Entry::Note("end".into())),
    }
}

/// Target (b): the input is a list of edits to a valid image — offsets,
/// lengths, tags and header fields overwritten with plausible and hostile
/// values, cuts and extensions — and the edited image is checked.
pub fn check_edits(data: &[u8], seeds: &[AlignedBytes]) {
    let Some((&selector, mut edits)) = data.split_first() else { return };
    let schema = usize::from(selector) % SCHEMAS;
    let mut image = seeds[schema].to_vec();
    while let Some((edit, rest)) = edits.split_first_chunk::<10>() {
        edits = rest;
        apply_edit(&mut image, edit);
    }
    check_schema(selector, &image);
}

fn apply_edit(image: &mut Vec<u8>, edit: &[u8; 10]) {
    let kind = edit[0];
    let at = usize::from(edit[1]) | usize::from(edit[2]) << 8;
    let arg = u64::from_le_bytes(edit[2..10].try_into().expect("8 bytes"));
    let len = image.len();
    if len == 0 {
        return;
    }
    match kind % 8 {
        // A 64-bit word (offsets, lengths, header fields are all aligned words).
        0 | 1 => {
            let words = len / 8;
            if words == 0 {
                return;
            }
            let i = (at % words) * 8;
            let old = u64::from_ne_bytes(image[i..i + 8].try_into().expect("8 bytes"));
            let value = match kind % 8 {
                0 => {
                    [0, 1, 8, 63, 64, len as u64, len as u64 - 1, u64::MAX, u64::MAX / 24, 1 << 32]
                        [usize::from(edit[3]) % 10]
                }
                _ => old.wrapping_add(arg % 64).wrapping_sub(32),
            };
            image[i..i + 8].copy_from_slice(&value.to_ne_bytes());
        }
        // One byte: tags, bools, discriminants, UTF-8.
        2 | 3 => image[at % len] = edit[3],
        4 => image[at % len] ^= 1 << (edit[3] % 8),
        // Cut or grow.
        5 => image.truncate(at % len),
        6 => image.extend(std::iter::repeat_n(edit[3], usize::from(edit[4]))),
        // Copy a word over another: two fields pointing at the same block.
        _ => {
            let words = len / 8;
            if words < 2 {
                return;
            }
            let (from, to) = ((at % words) * 8, (usize::from(edit[4]) % words) * 8);
            let word: [u8; 8] = image[from..from + 8].try_into().expect("8 bytes");
            image[to..to + 8].copy_from_slice(&word);
        }
    }
}

/// Reads values out of fuzzer bytes; runs dry as zeroes.
struct Source<'a>(&'a [u8]);

impl Source<'_> {
    fn byte(&mut self) -> u8 {
        let Some((&b, rest)) = self.0.split_first() else { return 0 };
        self.0 = rest;
        b
    }

    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |v, _| v << 8 | u64::from(self.byte()))
    }

    fn coin(&mut self) -> bool {
        self.byte() & 1 == 0
    }

    fn len(&mut self, max: u8) -> usize {
        usize::from(self.byte() % (max + 1))
    }

    fn text(&mut self) -> String {
        let n = self.len(12);
        (0..n).map(|_| ['a', 'ß', '🦀', '\0', '中', 'Z'][usize::from(self.byte()) % 6]).collect()
    }

    fn coord(&mut self) -> super::Coord {
        super::Coord {
            x: f64::from_bits(self.u64()),
            y: self.u64() as f64,
            z: -(self.byte() as f64),
        }
    }

    fn padded(&mut self) -> Padded {
        Padded {
            a: self.byte(),
            b: self.u64(),
            c: self.u64() as u16,
            d: self.u64() as u32,
            e: self.byte(),
            f: u128::from(self.u64()) << 64 | u128::from(self.u64()),
            g: !self.coin(),
        }
    }

    fn hike(&mut self) -> super::Hike {
        super::Hike {
            date: self.text(),
            description: self.text(),
            gps_track: (0..self.len(6)).map(|_| self.coord()).collect(),
        }
    }

    fn everything(&mut self) -> Everything {
        let difficulties = [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard];
        let weathers = [Weather::Sun, Weather::Rain, Weather::Snow];
        Everything {
            a_u8: self.byte(),
            a_u16: self.u64() as u16,
            a_u32: self.u64() as u32,
            a_u64: self.u64(),
            a_u128: u128::from(self.u64()) << 64 | u128::from(self.u64()),
            a_i8: self.byte() as i8,
            a_i16: self.u64() as i16,
            a_i32: self.u64() as i32,
            a_i64: self.u64() as i64,
            a_i128: (u128::from(self.u64()) << 64 | u128::from(self.u64())) as i128,
            a_f32: f32::from_bits(self.u64() as u32),
            a_f64: f64::from_bits(self.u64()),
            flag: self.coin(),
            letter: char::from_u32(self.u64() as u32 % 0x11_0000).unwrap_or('?'),
            text: self.text(),
            boxed_text: self.text().into_boxed_str(),
            numbers: (0..self.len(9)).map(|_| self.u64() as u16).collect(),
            boxed_numbers: (0..self.len(5)).map(|_| self.u64() as i32).collect(),
            some: self.coin().then(|| self.u64() as u32),
            none: self.coin().then(|| self.u64() as u32),
            some_text: self.coin().then(|| self.text()),
            option_of_struct: self.coin().then(|| self.coord()),
            bytes: [self.byte(), self.byte(), self.byte()],
            coords: [self.coord(), self.coord()],
            padded: self.padded(),
            padded_list: (0..self.len(4)).map(|_| self.padded()).collect(),
            difficulty: difficulties[self.len(2)],
            weather: (0..self.len(5)).map(|_| weathers[self.len(2)]).collect(),
            pair: Pair(self.byte(), self.u64() as f64),
            empty: super::Empty {},
            nested_lists: (0..self.len(3))
                .map(|_| (0..self.len(3)).map(|_| self.text()).collect())
                .collect(),
            flags: (0..self.len(7)).map(|_| self.coin()).collect(),
            letters: [self.text().chars().next().unwrap_or('-'), 'é'],
            hikes: (0..self.len(3)).map(|_| self.hike()).collect(),
            shape: self.shape(),
            shapes: (0..self.len(5)).map(|_| self.shape()).collect(),
            marker: self.coin().then(|| match self.len(2) {
                0 => Marker::Flag(self.byte()),
                1 => Marker::Peak { height: self.u64() as f32, named: self.coin() },
                _ => Marker::Plain,
            }),
            boxed: Box::new(self.hike()),
            maybe_boxed: self.coin().then(|| Box::new(self.coord())),
            series: super::Series {
                name: self.text(),
                points: (0..self.len(3)).map(|_| self.coord()).collect(),
            },
            counts: (0..self.len(6)).map(|_| (self.text(), self.u64())).collect(),
            hikes_by_year: (0..self.len(2)).map(|_| (self.u64() as u16, self.hike())).collect(),
            tags: (0..self.len(4)).map(|_| self.text()).collect(),
            years: (0..self.len(5)).map(|_| self.u64() as i64 % 3000).collect(),
            lat_lon: (f64::from_bits(self.u64()), self.u64() as f64),
            named_counts: (0..self.len(3)).map(|_| (self.text(), self.u64() as u32)).collect(),
            mixed: (
                self.byte(),
                self.coin().then(|| (self.u64() as u16, self.text().chars().next().unwrap_or('-'))),
                [self.byte(), self.byte(), self.byte()],
            ),
            tree: self.node(3),
            expr: self.expr(3),
            by_year_and_peak: (0..self.len(4))
                .map(|_| ((self.u64() as u16 % 4, self.text()), self.byte()))
                .collect(),
            by_difficulty: (0..self.len(3))
                .map(|_| (difficulties[self.len(2)], self.byte().into()))
                .collect(),
            by_route: (0..self.len(4))
                .map(|_| {
                    let bytes = self.coin().then(|| [self.byte() % 3, self.byte() % 3]);
                    let route = (0..self.len(2)).map(|_| self.text()).collect();
                    ((bytes, route), self.byte() as i8)
                })
                .collect(),
            reading: match self.len(2) {
                0 => super::Reading::Value(self.coord()),
                1 => super::Reading::Series {
                    label: self.text(),
                    values: (0..self.len(3)).map(|_| self.coord()).collect(),
                },
                _ => super::Reading::Missing,
            },
        }
    }

    /// A tree at most `depth` levels deep.
    fn node(&mut self, depth: u8) -> super::Node {
        let children = if depth == 0 { 0 } else { self.len(3) };
        super::Node {
            name: self.text(),
            children: (0..children).map(|_| self.node(depth - 1)).collect(),
        }
    }

    /// An expression at most `depth` levels deep.
    fn expr(&mut self, depth: u8) -> super::Expr {
        use super::Expr;
        match if depth == 0 { 0 } else { self.len(3) } {
            0 => Expr::Num(f64::from_bits(self.u64())),
            1 => Expr::Add(Box::new(self.expr(depth - 1)), Box::new(self.expr(depth - 1))),
            2 => Expr::Call {
                name: self.text(),
                args: (0..self.len(3)).map(|_| self.expr(depth - 1)).collect(),
            },
            _ => Expr::Nothing,
        }
    }

    fn shape(&mut self) -> Shape {
        match self.len(4) {
            0 => Shape::Circle { r: f64::from_bits(self.u64()) },
            1 => Shape::Segment(self.coord(), self.coord()),
            2 => Shape::Label(self.text()),
            3 => Shape::Path {
                name: self.text(),
                points: (0..self.len(4)).map(|_| self.coord()).collect(),
                closed: self.coin(),
            },
            _ => Shape::Empty,
        }
    }
}

/// A value of the rich schema built from arbitrary bytes (property tests and
/// the `round_trip` fuzz target share it).
pub fn everything_from(data: &[u8]) -> Everything {
    Source(data).everything()
}

/// Target (c): a value built from the input must survive `to_bytes`, opening,
/// traversal and `to_owned` unchanged, bit for bit.
pub fn check_value(data: &[u8]) {
    let value = everything_from(data);
    let encoded = mmf::to_bytes(&value);
    let view = mmf::from_bytes::<Everything>(&encoded).expect("an encoded value is valid");
    let _ = format!("{view:?}");
    let again = mmf::to_bytes(&view.to_owned());
    assert!(encoded[..] == again[..], "a value changed on its way through a file image");
    let mut copy = encoded.clone();
    update_everything(mmf::from_bytes_mut::<Everything>(&mut copy).expect("valid"));
    mmf::from_bytes::<Everything>(&copy).expect("an image updated in place stays valid");
}
