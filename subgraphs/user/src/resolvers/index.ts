import type { Resolvers } from '../__generated__/resolvers-types';
import { Address } from './Address';
import { AuthPayload } from './AuthPayload';
import { Mutation } from './Mutation';
import { Query } from './Query';
import { User } from './User';
import { WebhookDelivery, WebhookEndpoint } from './Webhook';

export const resolvers: Resolvers = { Query, Mutation, AuthPayload, User, Address, WebhookEndpoint, WebhookDelivery };
