import t from 'tap';
import { latLonToUtm33, utm33ToLatLon } from '../../src/directory/utm.convert.ts';

t.test('the origin of the zone: 15° E on the equator', async (t) => {
  const origin = latLonToUtm33({ latitude: 0, longitude: 15 });
  t.ok(Math.abs(origin.easting - 500_000) < 1e-6);
  t.ok(Math.abs(origin.northing) < 1e-6);
  const back = utm33ToLatLon({ easting: 500_000, northing: 0 });
  t.ok(Math.abs(back.latitude) < 1e-12 && Math.abs(back.longitude - 15) < 1e-12);
});

t.test('on the central meridian, northing is the scaled meridian arc (numerical integral)', async (t) => {
  const a = 6_378_137;
  const f = 1 / 298.257222101;
  const e2 = f * (2 - f);
  const phi = (52 * Math.PI) / 180;
  const steps = 100_000;
  let arc = 0;
  for (let i = 0; i < steps; i++) {
    const x = ((i + 0.5) * phi) / steps;
    arc += ((a * (1 - e2)) / Math.pow(1 - e2 * Math.sin(x) ** 2, 1.5)) * (phi / steps);
  }
  const { easting, northing } = latLonToUtm33({ latitude: 52, longitude: 15 });
  t.ok(Math.abs(easting - 500_000) < 1e-6);
  t.ok(Math.abs(northing - 0.9996 * arc) < 0.001, `${northing} vs ${0.9996 * arc}`);
});

t.test('Potsdam', async (t) => {
  // Reference computed independently with the USGS (Snyder) series: 368292.808 / 5806245.895.
  const { easting, northing } = latLonToUtm33({ latitude: 52.3906, longitude: 13.0645 });
  t.ok(Math.abs(easting - 368_292.808) < 0.01, String(easting));
  t.ok(Math.abs(northing - 5_806_245.895) < 0.01, String(northing));
});

t.test('round trips across Germany stay far below a metre', async (t) => {
  let worstMetres = 0;
  for (let latitude = 47; latitude <= 55.5; latitude += 0.25) {
    for (let longitude = 9; longitude <= 21; longitude += 0.3) {
      const back = utm33ToLatLon(latLonToUtm33({ latitude, longitude }));
      const dy = (back.latitude - latitude) * 111_320;
      const dx = (back.longitude - longitude) * 111_320 * Math.cos((latitude * Math.PI) / 180);
      worstMetres = Math.max(worstMetres, Math.hypot(dx, dy));
    }
  }
  t.ok(worstMetres < 0.001, `worst round trip ${worstMetres} m`);
  const grid = { easting: 412_345.67, northing: 5_765_432.1 };
  const again = latLonToUtm33(utm33ToLatLon(grid));
  t.ok(Math.hypot(again.easting - grid.easting, again.northing - grid.northing) < 0.001);
});
