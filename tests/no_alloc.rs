//! Reading through views allocates nothing: a counting global allocator shows
//! that traversal, random access, string reads and in-place updates make no
//! heap allocation once a file is open.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::*;
use mmf::{MappedFile, MappedFileMut};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; counting touches only a
// thread-local counter.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's promise, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's promise, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The allocations `f` makes on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let result = f();
    (result, ALLOCATIONS.with(Cell::get) - before)
}

#[test]
#[cfg_attr(miri, ignore = "maps files")]
fn reading_and_updating_in_place_allocate_nothing() {
    let tmp = temp_dir("no-alloc");
    let dir = tmp.path();
    let path = dir.join("hikes.mmf");
    let db = database(20, 200);
    drop(MappedFileMut::create(&path, &db).unwrap());

    let file = MappedFile::<HikingDatabase>::open(&path).unwrap();
    let (sum, count) = allocations(|| {
        let root = file.root();
        let mut sum = 0.0;
        for hike in root.hikes() {
            sum += hike.date().len() as f64 + hike.description().len() as f64;
            for c in hike.gps_track().try_as_slice().unwrap() {
                sum += c.x + c.y + c.z;
            }
            sum += hike.gps_track().iter().map(|c| c.z()).sum::<f64>();
        }
        for i in 0..20 {
            sum += root.hikes().get(i).unwrap().gps_track().get(i * 7).unwrap().z();
        }
        sum
    });
    assert_eq!(count, 0, "read paths allocated {count} times");
    assert!(sum > 0.0);
    drop(file);

    let mut file = MappedFileMut::<HikingDatabase>::open(&path).unwrap();
    let ((), count) = allocations(|| {
        let mut root = file.root_mut();
        for mut hike in &mut root.hikes_mut() {
            for c in hike.gps_track_mut().as_mut_slice() {
                c.z += 1.0;
            }
            hike.gps_track_mut().get_mut(0).unwrap().set_x(0.0);
        }
    });
    assert_eq!(count, 0, "in-place updates allocated {count} times");

    // The control: rebuilding an owned value does allocate.
    let (_, count) = allocations(|| file.to_owned());
    assert!(count > 0);
}
