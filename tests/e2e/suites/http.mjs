// HTTP surface of the API Worker: health check and the one error shape for unknown routes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

export function httpSuite(ctx) {
  describe("HTTP routes", () => {
    test("GET /healthz answers 200", async () => {
      const res = await fetch(`${ctx.server.base}/healthz`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    });

    test("GET /sessions/{id}/ws without an upgrade answers 426 UPGRADE_REQUIRED", async () => {
      const res = await fetch(`${ctx.server.base}/sessions/demo/ws`);
      assert.equal(res.status, 426);
      const body = await res.json();
      assert.equal(body?.error?.code, "UPGRADE_REQUIRED", JSON.stringify(body));
    });

    for (const path of ["/nope", "/sessions/demo", "/sessions/demo/ws/extra", "/api/v0/whatever"]) {
      test(`GET ${path} answers 404 with {"error":{"code":"NOT_FOUND",…}}`, async () => {
        const res = await fetch(`${ctx.server.base}${path}`);
        assert.equal(res.status, 404);
        assert.match(res.headers.get("content-type") ?? "", /application\/json/);
        const body = await res.json();
        assert.equal(body?.error?.code, "NOT_FOUND", JSON.stringify(body));
        assert.equal(typeof body.error.message, "string");
        assert.ok(body.error.message.length > 0, "the error says what went wrong");
      });
    }
  });
}
