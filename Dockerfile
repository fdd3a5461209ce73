# One image for the server, the worker and the migration job (docker-compose.yml picks the command).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node node_modules/@remix-run/dev/dist/cli.js vite:build
ENV NODE_ENV=production
USER node
CMD ["node", "--import", "tsx", "api/server.ts"]
