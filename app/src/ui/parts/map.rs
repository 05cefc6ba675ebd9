//! Maps: a component that draws pins and circles from plain data, over the
//! vendored Leaflet, which only pages that draw a map load.
//!
//! Longer than most files on purpose: the component and the few Leaflet
//! calls it makes through its own bindings (loading the script, icons,
//! fitting bounds) change together, and split apart neither reads alone.

use leptos::prelude::*;

/// What a pin stands for; each is drawn by its own CSS class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinKind {
    /// The customer's car.
    Car,
    Mechanic,
    /// A mechanic's base.
    Base,
    /// A job still open to quotes.
    Job,
    /// The mechanic, not heard from for a while.
    MechanicStale,
}

#[cfg_attr(not(feature = "browser"), allow(dead_code))]
impl PinKind {
    fn class(self) -> &'static str {
        match self {
            PinKind::Car => "pin pin-car",
            PinKind::Mechanic => "pin pin-mechanic",
            PinKind::Base => "pin pin-base",
            PinKind::Job => "pin pin-job",
            PinKind::MechanicStale => "pin pin-mechanic stale",
        }
    }
}

/// What a circle stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaKind {
    /// How far a mechanic travels from their base.
    Reach,
    /// Where an open job is, to about a kilometre.
    Job,
    /// How sure the phone is of the mechanic's position.
    Accuracy,
}

#[cfg_attr(not(feature = "browser"), allow(dead_code))]
impl AreaKind {
    fn class(self) -> &'static str {
        match self {
            AreaKind::Reach => "area area-reach",
            AreaKind::Job => "area area-job",
            AreaKind::Accuracy => "area area-accuracy",
        }
    }
}

/// One thing on a map. Pins keep their identity by `key`, so a moving
/// mechanic glides rather than jumps.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Pin {
        key: String,
        at: (f64, f64),
        kind: PinKind,
        label: String,
    },
    Area {
        at: (f64, f64),
        radius_m: f64,
        kind: AreaKind,
        label: String,
    },
}

#[cfg_attr(not(feature = "browser"), allow(dead_code))]
impl Shape {
    /// The points a view must hold to show this shape: a pin's place, a
    /// circle's four edges.
    fn extent(&self) -> Vec<(f64, f64)> {
        match self {
            Shape::Pin { at, .. } => vec![*at],
            Shape::Area { at, radius_m, .. } => {
                let dlat = radius_m / 111_320.0;
                let dlng = dlat / at.0.to_radians().cos().max(0.01);
                vec![
                    (at.0 - dlat, at.1),
                    (at.0 + dlat, at.1),
                    (at.0, at.1 - dlng),
                    (at.0, at.1 + dlng),
                ]
            }
        }
    }
}

/// A map of `shapes`, refitted whenever a pin appears or goes. With
/// `on_pick`, a tap on the map or a dragged car pin picks a point.
#[component]
pub fn MapView(
    /// What the map shows, for screen readers.
    label: &'static str,
    #[prop(into)] shapes: Signal<Vec<Shape>>,
    /// Where to look while there is nothing to show.
    #[prop(optional)]
    home: Option<(f64, f64)>,
    #[prop(optional)] on_pick: Option<Callback<(f64, f64)>>,
    /// Refit the view whenever a pin comes or goes; off, the view is
    /// fitted once and then left to the person panning it.
    #[prop(default = true)]
    follow: bool,
) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "browser")]
    browser::mount(node, shapes, home, on_pick, follow);
    #[cfg(not(feature = "browser"))]
    let _ = (shapes, home, on_pick, follow);
    view! { <div class="map" node_ref=node role="region" aria-label=label></div> }
}

#[cfg(feature = "browser")]
mod browser {
    use super::{AreaKind, PinKind, Shape};
    use crate::{api::site::tile_layer, domain::map::MapSettings};
    use js_sys::{Array, Object, Reflect};
    use leaflet::{
        Circle, CircleMarker, CircleOptions, DivIconOptions, Icon, LatLng, LatLngBounds, Layer,
        Map, MapOptions, Marker, MarkerOptions, Point, TileLayer, TileLayerOptions,
    };
    use leptos::{
        prelude::*,
        wasm_bindgen::{JsCast, JsValue, closure::Closure},
    };
    use std::{cell::RefCell, collections::HashMap, rc::Rc};
    use wasm_bindgen::prelude::wasm_bindgen;

    /// Zoom for a map that shows one point: a few streets around it.
    const STREET_ZOOM: f64 = 14.0;

    enum Loader {
        Idle,
        Loading(Vec<Box<dyn FnOnce()>>),
        Ready,
    }

    thread_local! {
        static LEAFLET: RefCell<Loader> = const { RefCell::new(Loader::Idle) };
        /// The tile settings, fetched by the first map and kept for the next.
        static TILES: RefCell<Option<MapSettings>> = const { RefCell::new(None) };
    }

    async fn tiles() -> Result<MapSettings, ServerFnError> {
        if let Some(t) = TILES.with(|t| t.borrow().clone()) {
            return Ok(t);
        }
        let t = tile_layer().await?;
        TILES.with(|c| *c.borrow_mut() = Some(t.clone()));
        Ok(t)
    }

    /// Runs `f` once Leaflet is loaded, loading it the first time a page asks.
    fn with_leaflet(f: impl FnOnce() + 'static) {
        let f: Box<dyn FnOnce()> = Box::new(f);
        let now = LEAFLET.with(|l| {
            let mut l = l.borrow_mut();
            match &mut *l {
                Loader::Ready => Some(f),
                Loader::Loading(waiting) => {
                    waiting.push(f);
                    None
                }
                Loader::Idle => {
                    *l = Loader::Loading(vec![f]);
                    load();
                    None
                }
            }
        });
        if let Some(f) = now {
            f();
        }
    }

    fn load() {
        let doc = document();
        let Some(head) = doc.head() else { return };
        if let Ok(link) = doc.create_element("link") {
            let _ = link.set_attribute("rel", "stylesheet");
            let _ = link.set_attribute("href", "/vendor/leaflet/leaflet.css");
            let _ = head.append_child(&link);
        }
        let Ok(script) = doc.create_element("script") else {
            return;
        };
        let _ = script.set_attribute("src", "/vendor/leaflet/leaflet.js");
        let onload = Closure::once_into_js(move || {
            let waiting =
                LEAFLET.with(
                    |l| match std::mem::replace(&mut *l.borrow_mut(), Loader::Ready) {
                        Loader::Loading(w) => w,
                        _ => Vec::new(),
                    },
                );
            for f in waiting {
                f();
            }
        });
        let _ = script.add_event_listener_with_callback("load", onload.unchecked_ref());
        let _ = head.append_child(&script);
    }

    struct Drawn {
        map: Map,
        pins: HashMap<String, (Marker, PinKind)>,
        areas: Vec<Layer>,
        /// The pins the map was last fitted to.
        fitted: Vec<String>,
        home: Option<(f64, f64)>,
        follow: bool,
    }

    pub fn mount(
        node: NodeRef<leptos::html::Div>,
        shapes: Signal<Vec<Shape>>,
        home: Option<(f64, f64)>,
        on_pick: Option<Callback<(f64, f64)>>,
        follow: bool,
    ) {
        let drawn: Rc<RefCell<Option<Drawn>>> = Rc::new(RefCell::new(None));
        let tiles = LocalResource::new(tiles);
        let started = StoredValue::new(false);
        {
            let drawn = drawn.clone();
            Effect::new(move |_| {
                let (Some(el), Some(tiles)) = (node.get(), tiles.get()) else {
                    return;
                };
                if started.get_value() {
                    return;
                }
                started.set_value(true);
                let drawn = drawn.clone();
                with_leaflet(move || {
                    // The page may have moved on while Leaflet loaded.
                    let Some(now) = shapes.try_get_untracked() else {
                        return;
                    };
                    let options = MapOptions::new();
                    options.set_scroll_wheel_zoom(false);
                    // Fits land between whole zoom levels, so a radius fills the map.
                    options.set_zoom_snap(0.25);
                    let Ok(map) = Map::new_with_element(&el, &options) else {
                        return;
                    };
                    if let Ok(t) = tiles
                        && let Some(url) = t.tile_url
                    {
                        let o = TileLayerOptions::new();
                        o.set_attribution(t.attribution);
                        o.set_max_zoom(19.0);
                        TileLayer::new_options(&url, &o).add_to(&map);
                    }
                    if let Some(pick) = on_pick {
                        map.on_mouse_click(Box::new(move |e| {
                            let at = e.lat_lng();
                            pick.run((at.lat(), at.lng()));
                        }));
                    }
                    let (lat, lng) = home.unwrap_or((51.5074, -0.1278));
                    map.set_view(&LatLng::new(lat, lng), 11.0);
                    *drawn.borrow_mut() = Some(Drawn {
                        map,
                        pins: HashMap::new(),
                        areas: Vec::new(),
                        fitted: Vec::new(),
                        home,
                        follow,
                    });
                    draw(&drawn, &now, on_pick);
                });
            });
        }
        {
            let drawn = drawn.clone();
            Effect::new(move |_| {
                let now = shapes.get();
                draw(&drawn, &now, on_pick);
            });
        }
        let drawn = StoredValue::new_local(drawn);
        on_cleanup(move || {
            if let Some(d) = drawn.try_with_value(|d| d.borrow_mut().take()).flatten() {
                d.map.remove();
            }
        });
    }

    #[wasm_bindgen]
    extern "C" {
        /// `L.divIcon`: leaflet 0.5's `DivIcon::new` builds an `L.Icon`,
        /// which has no image and throws.
        #[wasm_bindgen(js_namespace = L, js_name = divIcon)]
        fn div_icon(options: &DivIconOptions) -> Icon;
    }

    fn icon(kind: PinKind) -> Icon {
        let o = DivIconOptions::new();
        o.set_class_name(kind.class().to_owned());
        o.set_icon_size(Point::new(28.0, 28.0));
        o.set_html(String::new());
        div_icon(&o)
    }

    fn draw(
        drawn: &Rc<RefCell<Option<Drawn>>>,
        shapes: &[Shape],
        on_pick: Option<Callback<(f64, f64)>>,
    ) {
        let mut guard = drawn.borrow_mut();
        let Some(d) = guard.as_mut() else { return };
        let mut keys = Vec::new();
        for s in shapes {
            let Shape::Pin {
                key,
                at,
                kind,
                label,
            } = s
            else {
                continue;
            };
            keys.push(key.clone());
            let to = LatLng::new(at.0, at.1);
            match d.pins.get_mut(key) {
                Some((marker, was)) => {
                    marker.set_lat_lng(&to);
                    if *was != *kind {
                        marker.set_icon(&icon(*kind));
                        *was = *kind;
                    }
                }
                None => {
                    let o = MarkerOptions::new();
                    o.set_icon(icon(*kind));
                    o.set_title(label.clone());
                    o.set_alt(label.clone());
                    o.set_keyboard(true);
                    let draggable = *kind == PinKind::Car && on_pick.is_some();
                    o.set_draggable(draggable);
                    let marker = Marker::new_with_options(&to, &o);
                    if let (true, Some(pick)) = (draggable, on_pick) {
                        let m = marker.clone();
                        let closure = Closure::<dyn Fn(JsValue)>::new(move |_| {
                            let at = m.get_lat_lng();
                            pick.run((at.lat(), at.lng()));
                        });
                        marker.on("dragend", closure.as_ref().unchecked_ref());
                        closure.forget();
                    }
                    marker.add_to(&d.map);
                    d.pins.insert(key.clone(), (marker, *kind));
                }
            }
        }
        d.pins.retain(|k, (m, _)| {
            let keep = keys.contains(k);
            if !keep {
                m.remove();
            }
            keep
        });
        for c in d.areas.drain(..) {
            c.remove();
        }
        for s in shapes {
            let Shape::Area {
                at, radius_m, kind, ..
            } = s
            else {
                continue;
            };
            let o = CircleOptions::new();
            o.set_radius(*radius_m);
            o.set_class_name(kind.class().to_owned());
            o.set_interactive(false);
            let at = LatLng::new(at.0, at.1);
            // A job's area is drawn at a size a thumb can see at any zoom:
            // its point is already rounded to about a kilometre.
            let layer: Layer = if *kind == AreaKind::Job {
                o.set_radius(9.0);
                CircleMarker::new_with_options(&at, &o).unchecked_into()
            } else {
                Circle::new_with_options(&at, &o).into()
            };
            layer.add_to(&d.map);
            d.areas.push(layer);
        }
        keys.sort();
        if keys != d.fitted && (d.follow || d.fitted.is_empty()) {
            d.fitted = keys;
            fit(d, shapes);
        }
    }

    /// Shows everything on the map: one point at street level, several in
    /// one view. Without animation: Leaflet drops a view change asked for
    /// while it animates the last one, and a second pin often comes then.
    fn fit(d: &Drawn, shapes: &[Shape]) {
        let points: Vec<(f64, f64)> = shapes.iter().flat_map(Shape::extent).collect();
        let at_once = Object::new();
        let _ = Reflect::set(&at_once, &"reset".into(), &true.into());
        match points.as_slice() {
            [] => {
                if let Some((lat, lng)) = d.home {
                    d.map
                        .set_view_with_options(&LatLng::new(lat, lng), 11.0, &at_once);
                }
            }
            [(lat, lng)] => {
                d.map
                    .set_view_with_options(&LatLng::new(*lat, *lng), STREET_ZOOM, &at_once);
            }
            many => {
                let list = Array::new();
                for (lat, lng) in many {
                    list.push(&LatLng::new(*lat, *lng));
                }
                let bounds = LatLngBounds::new_from_list(&list);
                let _ = Reflect::set(
                    &at_once,
                    &"padding".into(),
                    &Array::of2(&40.into(), &40.into()),
                );
                let _ = Reflect::set(&at_once, &"maxZoom".into(), &16.into());
                d.map.fit_bounds_with_options(&bounds, &at_once);
            }
        }
    }
}
