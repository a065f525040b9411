# The mastoflow worker image. TypeScript runs through tsx (a runtime dependency), so there is no
# build step to drift from what tests ran.
FROM node:20.19-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY . .
RUN mkdir -p /data && chown node:node /data
# The workflow bundle, built once into the image (.cache/) instead of at every container start.
RUN node --import tsx runtime/build-workflow-bundle.ts
USER node
# SIGTERM from `docker compose stop` lets the worker finish in-flight tasks (stop_grace_period).
CMD ["node", "bin/mastoflow.js", "worker", "--store"]
