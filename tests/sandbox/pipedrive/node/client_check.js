// Runs the official Pipedrive Node.js client (npm "pipedrive", unchanged) against the sandbox:
// list organizations page by page, create one, update it (incl. a custom field), read it back.
// Usage: node client_check.js <base url> <api token> <custom field code>
"use strict";
const { Configuration, OrganizationsApi } = require("pipedrive/v2");

async function main() {
  const [baseUrl, apiKey, fieldCode] = process.argv.slice(2);
  const api = new OrganizationsApi(new Configuration({ apiKey, basePath: `${baseUrl}/api/v2` }));
  let cursor;
  let listed = 0;
  do {
    const page = await api.getOrganizations({ limit: 7, cursor, sort_by: "id" });
    listed += page.data.length;
    cursor = page.additional_data.next_cursor || undefined;
  } while (cursor);
  const created = await api.addOrganization({
    AddOrganizationRequest: { name: "Node Client Co", visible_to: 3 },
  });
  const id = created.data.id;
  const updated = await api.updateOrganization({
    id,
    UpdateOrganizationRequest: { name: "Node Client Co (renamed)", custom_fields: { [fieldCode]: "QB-1" } },
  });
  const fetched = await api.getOrganization({ id });
  console.log(JSON.stringify({
    listed,
    created: created.data.name,
    updated: updated.data.name,
    fetched_custom: fetched.data.custom_fields[fieldCode],
  }));
}

main().catch((err) => {
  console.error(err.response ? `${err.response.status} ${JSON.stringify(err.response.data)}` : err);
  process.exit(1);
});
