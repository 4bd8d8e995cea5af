// Drives the unchanged npm client `shipstation-node` against the ShipStation sandbox.
//
// The client hard-codes `https://ssapi.shipstation.com/` as the axios `baseURL` of every request
// and its documented `requestConfig` option excludes `baseURL` (and is never applied in 1.5.6).
// It calls the shared default axios instance, so a global axios request interceptor - set up
// here, outside the client - redirects its requests to SHIPSTATION_BASE_URL. The client still
// builds every path, query string, JSON body and the Basic Authorization header itself.
//
// Env: SHIPSTATION_BASE_URL, SHIPSTATION_API_KEY, SHIPSTATION_API_SECRET. Prints one JSON object.
import axios from 'axios';
import ShipStation from 'shipstation-node';

const baseURL = process.env.SHIPSTATION_BASE_URL;
axios.interceptors.request.use((config) => ({ ...config, baseURL }));

const shipstation = new ShipStation({
  credentials: {
    v1: { apiKey: process.env.SHIPSTATION_API_KEY, apiSecret: process.env.SHIPSTATION_API_SECRET },
  },
});

const order = (number, key, notes) => ({
  orderNumber: number,
  orderKey: key,
  orderDate: '2026-05-01T09:00:00.0000000',
  orderStatus: 'awaiting_shipment',
  billTo: { name: 'Node Client' },
  shipTo: { name: 'Node Client', street1: '1 Main St', city: 'Austin', state: 'TX',
            postalCode: '78701', country: 'US' },
  items: [{ lineItemKey: 'L1', sku: 'NODE-1', name: 'Node widget', quantity: 2, unitPrice: 7.5 }],
  shippingAmount: 3,
  customerNotes: notes,
});

async function main() {
  const created = await shipstation.v1.orders.createOrUpdate(order('QB-node-1', 'node-key-1', 'first'));
  const updated = await shipstation.v1.orders.createOrUpdate(order('QB-node-1', 'node-key-1', 'second'));
  const bulk = await shipstation.v1.orders.createOrUpdateMultiple([
    order('QB-node-2', 'node-key-2', null),
    order('QB-node-3', 'node-key-3', null),
  ]);
  const listed = await shipstation.v1.orders.list({ orderNumber: 'QB-node', pageSize: 100 });
  const fetched = await shipstation.v1.orders.get(created.orderId);
  const stores = await shipstation.v1.stores.list();
  // Not orders.markShipped(): the client posts to /orders/markshipped, while ShipStation documents
  // /orders/markasshipped (the sandbox serves only the documented route).
  const shipments = await shipstation.v1.shipments.list({ orderId: created.orderId });
  const fulfillments = await shipstation.v1.fulfillments.list({ orderId: created.orderId });
  let notFound = null;
  try {
    await shipstation.v1.orders.get(1);
  } catch (error) {
    notFound = { status: error.response?.status, body: error.response?.data };
  }

  console.log(JSON.stringify({
    created: { orderId: created.orderId, orderTotal: created.orderTotal, notes: created.customerNotes },
    updated: { orderId: updated.orderId, notes: updated.customerNotes },
    bulk,
    listed: { total: listed.total, pages: listed.pages,
              numbers: listed.orders.map((o) => o.orderNumber) },
    fetched: { orderNumber: fetched.orderNumber, createDate: fetched.createDate },
    stores: stores.map((s) => s.storeName),
    shipments: shipments.total,
    fulfillments: fulfillments.total,
    notFound,
  }));
}

// Print only status and body on failure: axios errors carry the Authorization header.
main().catch((error) => {
  const detail = error.response
    ? { status: error.response.status, url: error.config?.url, body: error.response.data }
    : { message: String(error.message ?? error) };
  console.error(JSON.stringify({ error: detail }));
  process.exit(1);
});
