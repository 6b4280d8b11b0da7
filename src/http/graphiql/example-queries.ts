/** Ready-made tabs for officials opening GraphiQL; each runs against the demo data. */
export const exampleQueries: { query: string; variables?: string }[] = [
  {
    query: `# Shanxi's county-level divisions (县/区/市) with their official codes
query Counties {
  regions(level: COUNTY, under: "14", first: 200) {
    totalCount
    edges { node { code name parent { code name } } }
  }
}`,
  },
  {
    query: `# Newest apple prices from origins in Yuncheng (1408), per kg where the unit allows
query ApplePrices($after: String) {
  prices(filter: { product: "apple", originUnder: "1408" }, first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        observedOn rawName spec avgPrice unit avgPerKg
        variety { name }
        market { name channel }
        originRegion { code name parent { name } }
        source { connector key ingestedAt }
      }
    }
  }
}`,
  },
  {
    query: `# Each market with its newest prices (batched: the same few SQL statements for 10 or 200 markets)
query MarketsWithPrices {
  markets(first: 10) {
    edges {
      node {
        name channel region { name }
        prices(first: 5) {
          totalCount
          nodes { observedOn rawName avgPrice unit product { name } variety { name } originRegion { name parent { name } } }
        }
      }
    }
  }
}`,
  },
  {
    query: `# Geographical-indication products and where they come from
query GeographicalIndications {
  products(first: 100) {
    nodes {
      name nameEn
      originLabels { kind name region { code name ancestors { name } } }
      varieties { name aliases }
    }
  }
}`,
  },
  {
    query: `# Live: prices as they are stored (run it, then record a price in another tab)
subscription LivePrices {
  priceObserved(filter: { product: "apple" }) {
    observedOn rawName avgPrice unit avgPerKg
    market { name }
    originRegion { name }
  }
}`,
  },
  {
    query: `# Record a price (all-or-nothing; sending the same sourceKey again stores nothing)
mutation RecordPrice {
  recordPriceObservations(input: {
    connector: "graphiql-demo"
    observations: [{
      sourceKey: "demo-1", rawName: "红富士", product: "apple", variety: "红富士",
      market: "beijing-xinfadi", originRegion: "140821", originText: "山西运城临猗",
      observedOn: "2026-11-23", lowPrice: 3.2, avgPrice: 3.6, highPrice: 4.0, unit: "斤"
    }]
  }) {
    stored duplicates
    observations { id avgPerKg product { name } }
  }
}`,
  },
  {
    query: `# Village service points and their filing (备案) status in Qingxu county
query VillagePoints {
  logisticsNodes(regionUnder: "140121", first: 50) {
    totalCount
    nodes { code name kind filingStatus filingNo region { name parent { name } } }
  }
}`,
  },
  {
    query: `# Live parcels (issue #5): run it, then \`npm run demo:feed\` in a terminal.
# Pushed from the ingest path, no polling; add trackingNumber: "..." for one parcel.
subscription ParcelsMoving {
  shipmentUpdated(regionCode: "14") {
    shipment { trackingNumber status direction courier { name } originCode destinationCode lastEventAt }
    newEvents { occurredAt status rawCode rawText format location temperatureC node { name kind } }
  }
}`,
  },
  {
    query: `# Live alerts: late, broken, refused or too-warm parcels in Shanxi
subscription ParcelAlerts {
  alertRaised(kinds: [DELAYED, EXCEPTION, FAILED_ATTEMPT, COLD_CHAIN_EXCURSION], regionCode: "14") {
    kind severity message raisedAt details shipment { trackingNumber status }
  }
}`,
  },
  {
    query: `# Upstream (上行) farm parcels of the last week, with their timelines
query UpstreamParcels($since: String) {
  shipments(direction: UPSTREAM, regionUnder: "14", lastEventAfter: $since, first: 20) {
    totalCount
    nodes {
      trackingNumber status courier { name } product { name } originRegion { name parent { name } } destinationCode
      events { occurredAt status rawText location node { name } temperatureC }
    }
  }
}`,
    variables: '{ "since": "2026-01-01T00:00:00Z" }',
  },
];
