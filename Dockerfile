# Media Studio worker image: `docker compose up` runs it beside Kafka, the registry, Postgres and S3.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: the prepare build already happened above, and onnxruntime's GPU download is skipped.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY migrations ./migrations
USER node
EXPOSE 8080
ENTRYPOINT ["node", "bin/media-studio.js"]
CMD ["worker", "--migrate"]
