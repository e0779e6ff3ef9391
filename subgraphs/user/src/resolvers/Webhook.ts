import type { WebhookDeliveryResolvers, WebhookEndpointResolvers } from '../__generated__/resolvers-types';

// Endpoints are only reachable through the admin-only root fields, so their fields need no check of their own.
export const WebhookEndpoint: WebhookEndpointResolvers = {
  createdAt: (e) => e.createdAt.toISOString(),
  deliveries: (e, { first }, ctx) => ctx.webhookEndpoints.deliveries(e.id, first ?? 20),
};

export const WebhookDelivery: WebhookDeliveryResolvers = {
  deliveredAt: (d) => d.deliveredAt?.toISOString() ?? null,
};
