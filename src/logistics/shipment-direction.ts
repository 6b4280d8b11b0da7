/**
 * Rural parcel direction (农村上下行快件, the 2023 rural delivery plan), the
 * rule the hub applies, in SQL so that it is derived in the same statement
 * that derives the shipment's places from its scans:
 *
 * - **UPSTREAM** (上行): picked up in a rural area and delivered outside the
 *   county it was picked up in. "Rural" = the origin's county-level division
 *   is a county (县, 旗) or a county-level city (县级市, name ending in 市), or
 *   the origin is a town or township (镇, 乡) or a village in one, even inside
 *   an urban district (e.g. the villages of 太谷区). A pick-up at a district's
 *   own code or a sub-district (街道) is not rural.
 * - **DOWNSTREAM** (下行): otherwise, delivered to a township or village
 *   (a 9- or 12-digit destination code), wherever it came from.
 * - **NONE**: neither, or the places are not known yet. Upstream wins when
 *   both hold (a farm parcel sent from one village to another county's village
 *   counts for the sender's county, which is what the per-parcel subsidy pays).
 *
 * Origin = where the pick-up scan was (else the declared origin, else the first
 * scan with a place); destination = where the delivery scan was (else the
 * declared destination). Codes outside the regions the hub knows still count:
 * a parcel from 临猗县 to Beijing is upstream.
 */
export function DIRECTION_SQL(origin: string, destination: string): string {
  return `(case
    when ${origin} is not null and ${destination} is not null and length(${origin}) >= 6
         and left(${destination}, 6) <> left(${origin}, 6)
         and (exists (select 1 from region c where c.code = left(${origin}, 6) and c.level = 'COUNTY' and c.name ~ '(县|旗|市)$')
              or exists (select 1 from region t where length(${origin}) >= 9 and t.code = left(${origin}, 9) and t.name ~ '[乡镇]$'))
      then 'UPSTREAM'
    when length(${destination}) in (9, 12) then 'DOWNSTREAM'
    else 'NONE' end)::shipment_direction`;
}
