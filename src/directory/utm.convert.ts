/**
 * UTM zone 33 north (ETRS89, the Land's official grid) ↔ geographic latitude/longitude,
 * using Krüger's series in the third flattening n. Terms up to n⁴ keep the error far
 * below a millimetre within a zone. ETRS89 and WGS84 differ by well under a metre in
 * Brandenburg, which is irrelevant for finding an authority on a map.
 */

export interface LatLon {
  latitude: number;
  longitude: number;
}

export interface UtmCoordinate {
  easting: number;
  northing: number;
}

// GRS80 ellipsoid.
const SEMI_MAJOR_AXIS = 6_378_137;
const FLATTENING = 1 / 298.257222101;
const SCALE = 0.9996;
const FALSE_EASTING = 500_000;
const ZONE = 33;
const CENTRAL_MERIDIAN = ((ZONE * 6 - 183) * Math.PI) / 180; // 15° E

const n = FLATTENING / (2 - FLATTENING);
const n2 = n * n;
const n3 = n2 * n;
const n4 = n3 * n;
/** Radius of the rectifying sphere. */
const RECTIFYING_RADIUS = (SEMI_MAJOR_AXIS / (1 + n)) * (1 + n2 / 4 + n4 / 64);
/** First eccentricity, written in n. */
const ECCENTRICITY = (2 * Math.sqrt(n)) / (1 + n);

const ALPHA = [
  n / 2 - (2 / 3) * n2 + (5 / 16) * n3 + (41 / 180) * n4,
  (13 / 48) * n2 - (3 / 5) * n3 + (557 / 1440) * n4,
  (61 / 240) * n3 - (103 / 140) * n4,
  (49561 / 161280) * n4,
];
const BETA = [
  n / 2 - (2 / 3) * n2 + (37 / 96) * n3 - (1 / 360) * n4,
  (1 / 48) * n2 + (1 / 15) * n3 - (437 / 1440) * n4,
  (17 / 480) * n3 - (37 / 840) * n4,
  (4397 / 161280) * n4,
];
const DELTA = [
  2 * n - (2 / 3) * n2 - 2 * n3 + (116 / 45) * n4,
  (7 / 3) * n2 - (8 / 5) * n3 - (227 / 45) * n4,
  (56 / 15) * n3 - (136 / 35) * n4,
  (4279 / 630) * n4,
];

const toRadians = (degrees: number) => (degrees * Math.PI) / 180;
const toDegrees = (radians: number) => (radians * 180) / Math.PI;

/** WGS84/ETRS89 latitude/longitude (degrees) → UTM zone 33N easting/northing (metres). */
export function latLonToUtm33(point: LatLon): UtmCoordinate {
  const phi = toRadians(point.latitude);
  const lambda = toRadians(point.longitude) - CENTRAL_MERIDIAN;
  // Conformal latitude, as its tangent.
  const t = Math.sinh(Math.atanh(Math.sin(phi)) - ECCENTRICITY * Math.atanh(ECCENTRICITY * Math.sin(phi)));
  const xiPrime = Math.atan2(t, Math.cos(lambda));
  const etaPrime = Math.atanh(Math.sin(lambda) / Math.sqrt(1 + t * t));
  let xi = xiPrime;
  let eta = etaPrime;
  ALPHA.forEach((alpha, index) => {
    const j = 2 * (index + 1);
    xi += alpha * Math.sin(j * xiPrime) * Math.cosh(j * etaPrime);
    eta += alpha * Math.cos(j * xiPrime) * Math.sinh(j * etaPrime);
  });
  return {
    easting: FALSE_EASTING + SCALE * RECTIFYING_RADIUS * eta,
    northing: SCALE * RECTIFYING_RADIUS * xi,
  };
}

/** UTM zone 33N easting/northing (metres) → latitude/longitude (degrees). */
export function utm33ToLatLon(coordinate: UtmCoordinate): LatLon {
  const xi = coordinate.northing / (SCALE * RECTIFYING_RADIUS);
  const eta = (coordinate.easting - FALSE_EASTING) / (SCALE * RECTIFYING_RADIUS);
  let xiPrime = xi;
  let etaPrime = eta;
  BETA.forEach((beta, index) => {
    const j = 2 * (index + 1);
    xiPrime -= beta * Math.sin(j * xi) * Math.cosh(j * eta);
    etaPrime -= beta * Math.cos(j * xi) * Math.sinh(j * eta);
  });
  const chi = Math.asin(Math.sin(xiPrime) / Math.cosh(etaPrime));
  let phi = chi;
  DELTA.forEach((delta, index) => {
    phi += delta * Math.sin(2 * (index + 1) * chi);
  });
  const lambda = Math.atan2(Math.sinh(etaPrime), Math.cos(xiPrime));
  return { latitude: toDegrees(phi), longitude: toDegrees(CENTRAL_MERIDIAN + lambda) };
}
