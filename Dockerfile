# One image for the three apps; the command picks which one runs (see docker-compose.yml).
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production LEDGER_DATA_DIR=/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The ISO 20022 schemas the connector validates every message against.
COPY --from=build /app/libs/iso20022/schemas ./libs/iso20022/schemas
COPY package.json ./
VOLUME /data
EXPOSE 3000
USER node
# Young generation of 64 MB (Node's default: 16): a batch of 500 payments lives for a few hundred
# milliseconds, and with the default most of it is copied by two scavenges before it dies (README, bench:payments).
CMD ["node", "--max-semi-space-size=64", "dist/apps/ledger/src/main.js"]
